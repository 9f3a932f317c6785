import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from '../utils/app.js';
import { sql } from '../utils/database.js';
import { newIdentity, registerAndLogin, startWithAdmin, type AppWithAdmin } from '../utils/factories.js';
import { http, type Res } from '../utils/http.js';

/**
 * The rows of docs/bad-input-catalogue.md that other tests do not already cover: each hostile
 * input gets a 4xx with the error body of contract §1 (or is stored verbatim where it is legal text),
 * never a 5xx, never a hang, never an effect beyond the request.
 */
const ERROR_KEYS = ['details', 'error_code', 'message', 'request_id', 'timestamp'];
const ADMIN = { email: 'hostile-admin@example.com', password: 'Hostile-Admin-Pass-9!' };
const SERVICE_TOKEN = 'hostile-service-token-0123456789abcdef';

const INJECTIONS: [kind: string, value: string][] = [
  ['SQL', "' OR '1'='1' --"],
  ['SQL', "'; DROP TABLE users; --"],
  ['SQL (time)', "x'; SELECT pg_sleep(10); --"],
  ['NoSQL', '{"$ne": null}'],
  ['template', '{{7*7}} ${7*7} <%= 7*7 %> #{7*7}'],
  ['XSS', '<script>alert(1)</script>'],
  ['path traversal', '../../../../etc/passwd'],
  ['format string', '%s%s%n%x%d'],
];

function assertError(res: Res, status: number, code?: string, what = ''): void {
  assert.equal(res.status, status, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  assert.deepEqual(Object.keys(res.body as object).sort(), ERROR_KEYS, `${what}: contract error body`);
  if (code !== undefined) assert.equal(res.body.error_code, code, what);
}

/** One raw HTTP/1.1 exchange, for what fetch refuses to send (CR inside a header, huge headers). */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
}

describe('hostile input', () => {
  let t: TestApp;
  let adminToken: string;
  let user: Awaited<ReturnType<typeof registerAndLogin>>;
  let app: AppWithAdmin;
  before(async () => {
    app = await startWithAdmin(ADMIN, { env: { ALLOWED_API_TOKENS: SERVICE_TOKEN, BODY_LIMIT_BYTES: '65536' } });
    ({ t, admin: adminToken } = app);
    user = await registerAndLogin(t.url);
  });
  after(async () => {
    await app.close();
  });

  it('treats injection strings in every string field as data: stored verbatim or refused, never run', async () => {
    for (const [kind, value] of INJECTIONS) {
      const what = `${kind} ${JSON.stringify(value)}`;
      // Free text is stored and answered byte for byte (JSON-encoded; nothing is evaluated).
      const id = newIdentity('inj');
      const reg = await http(t.url, 'POST', '/api/v1/auth/register', { body: { ...id, name: value } });
      assert.equal(reg.status, 201, `${what} as a name: ${JSON.stringify(reg.body)}`);
      assert.equal(reg.body.name, value, what);
      const patch = await http(t.url, 'PATCH', '/api/v1/users/me', {
        token: user.access,
        body: { name: value, business_type: value, business_number: value, industry: value, region: value },
      });
      assert.equal(patch.status, 200, `${what} in profile fields`);
      for (const field of ['name', 'business_type', 'business_number', 'industry', 'region']) {
        assert.equal(patch.body[field], value, `${what} in ${field}`);
      }
      // Structured fields refuse it by their pattern.
      for (const field of ['username', 'phone']) {
        const res = await http(t.url, 'PATCH', '/api/v1/users/me', { token: user.access, body: { [field]: value } });
        assertError(res, 400, 'COMMON_1000', `${what} as ${field}`);
      }
      const badEmail = await http(t.url, 'POST', '/api/v1/auth/register', { body: { ...newIdentity(), email: value } });
      assertError(badEmail, 400, 'USER_1104', `${what} as an email`);
      // Credentials: no account matches, whatever the string says.
      const started = Date.now();
      const login = await http(t.url, 'POST', '/api/v1/auth/login', { body: { email: value, password: value } });
      assertError(login, 401, 'USER_1001', `${what} as login email and password`);
      const byName = await http(t.url, 'POST', '/api/v1/auth/login', { body: { username: value, password: value } });
      assert.ok([400, 401].includes(byName.status), `${what} as login username: ${byName.status}`);
      const check = await http(t.url, 'POST', '/api/v1/users/verify-credentials', {
        headers: { 'x-service-token': SERVICE_TOKEN },
        body: { email: value, password: value },
      });
      assert.equal(check.status, 200, what);
      assert.equal(check.body.valid, false, what);
      assert.ok(Date.now() - started < 5000, `${what}: no statement ran (pg_sleep would take 10 s)`);
      assert.equal(
        (await http(t.url, 'POST', '/api/v1/auth/password/forgot', { body: { email: value } })).status,
        202,
        what,
      );
      // Tokens: malformed ones are refused before any lookup; a refresh token the service never
      // issued is 401 whatever its shape (the client must log in again).
      const refresh = await http(t.url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: value } });
      assertError(refresh, 401, 'USER_1006', `${what} as a refresh token`);
      for (const path of ['/api/v1/auth/password/reset', '/api/v1/auth/email/verify']) {
        const res = await http(t.url, 'POST', path, { body: { token: value, new_password: 'Str0ng-Pass-new!' } });
        assert.ok(res.status === 400, `${what} as a token on ${path}: ${res.status}`);
      }
      // Path parameters and the search query.
      const enc = encodeURIComponent(value);
      const byUsername = await http(t.url, 'GET', `/api/v1/users/by-username/${enc}`, { token: user.access });
      assertError(byUsername, 404, 'USER_1101', `${what} as a username in the path`);
      const legacy = await http(t.url, 'GET', `/users/${enc}`, { token: user.access });
      assertError(legacy, 404, 'USER_1101', `${what} on the legacy lookup`);
      assertError(await http(t.url, 'GET', `/api/v1/users/${enc}`, { token: user.access }), 400, 'COMMON_1000', what);
      const search = await http(t.url, 'GET', `/api/v1/users?q=${enc}&limit=100`, { token: adminToken });
      assert.equal(search.status, 200, `${what} as a search`);
      for (const item of search.body.items as { name: string; email: string; username: string | null }[]) {
        const haystack = `${item.email} ${item.username ?? ''} ${item.name}`.toLowerCase();
        assert.ok(haystack.includes(value.toLowerCase()), `${what}: the search matched a user it does not contain`);
      }
    }
    // LIKE wildcards are escaped: `%` finds names with a percent sign, not everyone.
    const percent = await http(t.url, 'GET', `/api/v1/users?q=${encodeURIComponent('%')}&limit=100`, {
      token: adminToken,
    });
    const everyone = await http(t.url, 'GET', '/api/v1/users?limit=1', { token: adminToken });
    assert.ok(percent.body.total < everyone.body.total, 'a bare % is not a wildcard');
    const [{ count }] = await sql<{ count: string }>(t.databaseUrl, 'SELECT count(*) FROM users');
    assert.ok(Number(count) > 0, 'the users table is still there');
  });

  it('refuses operator objects where strings belong, and CR/LF in field values and headers', async () => {
    const nosql = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: { $ne: null }, password: { $gt: '' } },
    });
    assertError(nosql, 400, 'COMMON_1000', 'NoSQL operators in login');
    const crlf = await http(t.url, 'PATCH', '/api/v1/users/me', {
      token: user.access,
      body: { name: 'a\r\nSet-Cookie: session=stolen' },
    });
    assertError(crlf, 400, 'COMMON_1000', 'CRLF in a name');
    // A CR inside a header never reaches the service: the HTTP parser refuses the request.
    const port = Number(new URL(t.url).port);
    const raw = await rawRequest(port, 'GET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\rSet-Cookie: x=1\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 400 /);
    assert.doesNotMatch(raw, /set-cookie/i);
    const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ERROR_KEYS);
    assert.equal(body.error_code, 'COMMON_1400');
    // A request id with characters outside [A-Za-z0-9._:-] is replaced, not echoed.
    const echoed = await http(t.url, 'GET', '/api/v1/nope', { headers: { 'x-request-id': '<script>x</script>' } });
    assert.notEqual(echoed.headers.get('x-request-id'), '<script>x</script>');
    assert.match(echoed.body.request_id as string, /^[0-9a-f-]{36}$/);
  });

  it('refuses NUL everywhere and keeps the rest of Unicode intact', async () => {
    const nulBody = await http(t.url, 'PATCH', '/api/v1/users/me', {
      token: user.access,
      body: { region: 'a\u0000b' },
    });
    assertError(nulBody, 400, 'COMMON_1000', 'NUL in a body field');
    const nulLogin = await http(t.url, 'POST', '/api/v1/auth/password/forgot', { body: { email: 'a\u0000@x.io' } });
    assertError(nulLogin, 400, 'COMMON_1000', 'NUL in an email looked up in the database');
    assertError(
      await http(t.url, 'GET', '/api/v1/users?q=a%00b', { token: adminToken }),
      400,
      'COMMON_1000',
      'NUL in a query',
    );
    assertError(
      await http(t.url, 'GET', '/api/v1/users/by-username/a%00b', { token: user.access }),
      400,
      'COMMON_1000',
      'NUL in a path parameter',
    );
    // Legal but tricky text is stored as sent: RTL override, combining marks, emoji sequences.
    for (const name of ['evil\u202Egnp.exe', `Z${'\u0336'.repeat(98)}`, '👩‍👩‍👧‍👦 family 🏳️‍🌈', 'e\u0301 vs \u00e9']) {
      const res = await http(t.url, 'PATCH', '/api/v1/users/me', { token: user.access, body: { name } });
      assert.equal(res.status, 200, JSON.stringify(name));
      assert.equal(res.body.name, name);
    }
    // Lengths count code points: 101 of them is one too many.
    assertError(
      await http(t.url, 'PATCH', '/api/v1/users/me', {
        token: user.access,
        body: { name: `Z${'\u0336'.repeat(100)}` },
      }),
      400,
      'COMMON_1000',
      'combining marks past the limit',
    );
    // Zero-width and other invisible characters are not part of a username.
    assertError(
      await http(t.url, 'PATCH', '/api/v1/users/me', { token: user.access, body: { username: 'ad\u200Bmin' } }),
      400,
      'COMMON_1000',
      'zero-width space in a username',
    );
    // Bytes that are not UTF-8 (overlong "/", a stray 0xFF) and lone surrogates become U+FFFD.
    const invalid = Buffer.concat([
      Buffer.from('{"region":"a'),
      Buffer.from([0xc0, 0xaf, 0xff]),
      Buffer.from('b","industry":"x\\ud800y"}'),
    ]);
    const res = await fetch(`${t.url}/api/v1/users/me`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${user.access}`, 'content-type': 'application/json' },
      body: invalid,
    });
    assert.equal(res.status, 200);
    const stored = (await res.json()) as { region: string; industry: string };
    assert.equal(stored.region, 'a\uFFFD\uFFFD\uFFFDb');
    assert.equal(stored.industry, 'x\uFFFDy');
  });

  it('keeps homoglyph emails apart from the accounts they imitate', async () => {
    const latin = newIdentity('glyph');
    assert.equal((await http(t.url, 'POST', '/api/v1/auth/register', { body: latin })).status, 201);
    const cyrillic = latin.email.replace(/^g/, '\u0261').replace('e', '\u0435'); // ɡ and Cyrillic е
    const lookalike = { ...newIdentity('glyph2'), email: cyrillic };
    const reg = await http(t.url, 'POST', '/api/v1/auth/register', { body: lookalike });
    assert.equal(reg.status, 201, 'a look-alike address is a different address');
    assert.equal(reg.body.email, cyrillic);
    const cross = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: cyrillic, password: latin.password },
    });
    assertError(cross, 401, 'USER_1001', "the look-alike does not open the original's account");
    const upper = await http(t.url, 'POST', '/api/v1/auth/register', {
      body: { ...newIdentity(), email: latin.email.toUpperCase() },
    });
    assertError(upper, 409, 'USER_1102', 'case is not a new address');
  });

  it('refuses 10,000-character values in every kind of field, before any work', async () => {
    const long = 'a'.repeat(10_000);
    const cases: [string, string, unknown][] = [
      ['POST', '/api/v1/auth/register', { ...newIdentity(), email: `${long}@x.io` }],
      ['POST', '/api/v1/auth/register', { ...newIdentity(), password: `Aa1!${long}` }],
      ['POST', '/api/v1/auth/register', { ...newIdentity(), username: long }],
      ['POST', '/api/v1/auth/register', { ...newIdentity(), phone: `+1${'2'.repeat(9_998)}` }],
      ['POST', '/api/v1/auth/login', { email: user.identity.email, password: long }],
      ['POST', '/api/v1/auth/login', { username: long, password: 'x' }],
      ['POST', '/api/v1/auth/password/forgot', { email: long }],
      ['POST', '/api/v1/auth/password/reset', { token: long, new_password: 'Str0ng-Pass-new!' }],
      ['POST', '/api/v1/auth/email/verify', { token: long }],
    ];
    for (const field of ['name', 'business_type', 'business_number', 'industry', 'region']) {
      cases.push(['PATCH', '/api/v1/users/me', { [field]: long }]);
    }
    for (const [method, path, body] of cases) {
      const started = Date.now();
      const res = await http(t.url, method, path, { body, token: user.access });
      assertError(res, 400, undefined, `10k in ${path} ${JSON.stringify(Object.keys(body as object))}`);
      assert.ok(Date.now() - started < 2000, `${path}: refused at once (no hashing of 10k characters)`);
    }
    const started = Date.now();
    const refresh = await http(t.url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: long } });
    assertError(refresh, 401, 'USER_1006', '10k refresh token: never issued');
    assert.ok(Date.now() - started < 2000, 'refused at once');
    assertError(
      await http(t.url, 'GET', `/api/v1/users?q=${long}`, { token: adminToken }),
      400,
      'COMMON_1000',
      '10k search',
    );
    // Path parameters longer than the router's limit (256) are refused by the router.
    assertError(
      await http(t.url, 'GET', `/api/v1/users/by-username/${long}`, { token: user.access }),
      414,
      'COMMON_1414',
      '10k path parameter',
    );
    assertError(
      await http(t.url, 'GET', '/api/v1/users/by-username/%zz', { token: user.access }),
      400,
      'COMMON_1400',
      'malformed percent-encoding',
    );
  });

  it('refuses negative, fractional, huge and non-numeric paging', async () => {
    const paths = ['/api/v1/users', `/api/v1/users/${user.id}/badges`, `/api/v1/users/${user.id}/goals`];
    const bad = ['-1', '0', '1.5', '1e309', '99999999999999999999', 'NaN', 'abc', '', '0x10', '1,2'];
    for (const path of paths) {
      for (const value of bad) {
        for (const param of ['page', 'limit']) {
          const res = await http(t.url, 'GET', `${path}?${param}=${encodeURIComponent(value)}`, { token: adminToken });
          assertError(res, 400, 'COMMON_1000', `${path}?${param}=${value}`);
        }
      }
      assertError(await http(t.url, 'GET', `${path}?limit=101`, { token: adminToken }), 400, 'COMMON_1000', path);
      const last = await http(t.url, 'GET', `${path}?page=1000000&limit=100`, { token: adminToken });
      assert.equal(last.status, 200, `${path}: the highest page is answered`);
      assert.deepEqual(last.body.items, []);
    }
    // Repeated parameters are not an array in disguise.
    assertError(
      await http(t.url, 'GET', '/api/v1/users?page=1&page=2', { token: adminToken }),
      400,
      'COMMON_1000',
      'page given twice',
    );
  });

  it('reads duplicate JSON keys as the last one, and refuses prototype keys', async () => {
    const dup = await http(t.url, 'PATCH', '/api/v1/users/me', {
      token: user.access,
      raw: '{"region":"First","region":"Second"}',
    });
    assert.equal(dup.status, 200);
    assert.equal(dup.body.region, 'Second');
    const escalation = await http(t.url, 'POST', '/api/v1/auth/register', {
      raw: JSON.stringify(newIdentity()).replace(/}$/, ',"role":"user","role":"admin"}'),
    });
    assertError(escalation, 400, 'COMMON_1000', 'a duplicated unknown key is still unknown');
    for (const raw of [
      '{"region":"x","__proto__":{"role":"admin"}}',
      '{"region":"x","constructor":{"prototype":{"role":"admin"}}}',
    ]) {
      assertError(await http(t.url, 'PATCH', '/api/v1/users/me', { token: user.access, raw }), 400, 'COMMON_1400', raw);
    }
  });

  it('answers wrong content types, form-encoded included, with 415', async () => {
    const body = JSON.stringify(newIdentity());
    for (const type of [
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/vnd.api+json',
      'text/html',
    ]) {
      const res = await http(t.url, 'POST', '/api/v1/auth/register', { raw: body, headers: { 'content-type': type } });
      assertError(res, 415, 'COMMON_1415', type);
    }
    const noType = await fetch(`${t.url}/api/v1/auth/register`, { method: 'POST', body: Buffer.from(body) });
    assert.equal(noType.status, 415);
    const form = await http(t.url, 'POST', '/api/v1/auth/register', {
      raw: 'email=a%40b.io&password=x&name=y',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assertError(form, 415, 'COMMON_1415', 'form body');
  });

  it('refuses JSON nested past 32 levels, and wide objects, quickly', async () => {
    const nest = (depth: number): unknown => (depth === 1 ? 'x' : { a: nest(depth - 1) });
    const at = await http(t.url, 'PATCH', '/api/v1/users/me', { token: user.access, body: { region: nest(31) } });
    assertError(at, 400, 'COMMON_1000', '32 levels: validated (region must be a string)');
    const past = await http(t.url, 'PATCH', '/api/v1/users/me', { token: user.access, body: { region: nest(33) } });
    assertError(past, 400, 'COMMON_1400', '34 levels');
    const wide = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]));
    const started = Date.now();
    const res = await http(t.url, 'PATCH', '/api/v1/users/me', { token: user.access, body: wide });
    assertError(res, 400, 'COMMON_1000', '5000 unknown keys');
    assert.ok(Date.now() - started < 3000, 'refused quickly');
  });

  it('refuses tokens in the wrong place, of the wrong kind or of absurd size', async () => {
    assertError(
      await http(t.url, 'GET', `/api/v1/users/me?access_token=${user.access}`),
      401,
      'COMMON_1001',
      'token in the query string',
    );
    assertError(
      await http(t.url, 'GET', '/api/v1/users/me', { token: 'a'.repeat(10_000) }),
      401,
      'USER_1006',
      '10k bearer',
    );
    assertError(
      await http(t.url, 'GET', '/api/v1/users/me', { token: user.refresh }),
      401,
      'USER_1006',
      'refresh token as bearer',
    );
    assertError(
      await http(t.url, 'GET', '/api/v1/users/me', { headers: { authorization: `Bearer ${user.access} extra` } }),
      401,
      'USER_1006',
      'trailing garbage',
    );
    assertError(
      await http(t.url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: user.access } }),
      401,
      'USER_1006',
      'access token as refresh token',
    );
    assertError(
      await http(t.url, 'POST', '/api/v1/users/verify-credentials', {
        headers: { 'x-service-token': `${SERVICE_TOKEN}x` },
        body: { email: user.identity.email, password: user.identity.password },
      }),
      401,
      'COMMON_1001',
      'wrong service token',
    );
    assertError(
      await http(t.url, 'GET', '/api/v1/users/me', { headers: { 'x-service-token': SERVICE_TOKEN } }),
      401,
      'COMMON_1001',
      'a service token where a user is needed',
    );
  });

  it('refuses oversized bodies and headers with the error body, and unknown methods with 405', async () => {
    const big = await http(t.url, 'PATCH', '/api/v1/users/me', {
      token: user.access,
      raw: JSON.stringify({ region: 'x'.repeat(70_000) }),
    });
    assertError(big, 413, 'COMMON_1413', 'a body over BODY_LIMIT_BYTES');
    const port = Number(new URL(t.url).port);
    const raw = await rawRequest(port, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.match(raw, /^HTTP\/1\.1 431 /);
    const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    assert.equal(body.error_code, 'COMMON_1431');
    const method = await http(t.url, 'DELETE', '/api/v1/auth/login');
    assertError(method, 405, 'COMMON_1405', 'DELETE on a POST route');
    assert.equal(method.headers.get('allow'), 'POST');
    const traversal = await fetch(`${t.url}/docs/..%2f..%2f..%2f..%2fetc%2fpasswd`);
    assert.ok([400, 403, 404].includes(traversal.status), `traversal: ${traversal.status}`);
    assert.doesNotMatch(await traversal.text(), /root:/);
  });
});
