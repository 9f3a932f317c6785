import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from '../utils/app.js';
import { sql } from '../utils/database.js';
import { newIdentity, registerAndLogin, startWithAdmin, type AppWithAdmin } from '../utils/factories.js';
import { http, type Res } from '../utils/http.js';

/**
 * Issue 11, items 1, 8 and 11: no body can stall the event loop; proxies, security headers,
 * CORS and media types; a refresh token the service never issued is 401 whatever its shape.
 */
const ERROR_KEYS = ['details', 'error_code', 'message', 'request_id', 'timestamp'];
const ADMIN = { email: 'hardening-admin@example.com', password: 'Hardening-Admin-Pass-9!' };
const ORIGIN = 'https://app.example.com';

function assertError(res: Res, status: number, code: string, what: string): void {
  assert.equal(res.status, status, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
  assert.deepEqual(Object.keys(res.body as object).sort(), ERROR_KEYS, `${what}: contract error body`);
  assert.equal(res.body.error_code, code, what);
}

/** `{"k0":0,"k1":0,…}` with `keys` keys, as raw JSON (building the object first would be slower). */
function wideJson(keys: number): string {
  const parts: string[] = [];
  for (let i = 0; i < keys; i++) parts.push(`"k${i}":0`);
  return `{${parts.join(',')}}`;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('HTTP hardening', () => {
  let t: TestApp;
  let adminToken: string;
  let app: AppWithAdmin;
  before(async () => {
    // Every default of the service, but a trusted proxy range and a CORS origin.
    app = await startWithAdmin(ADMIN, { env: { TRUST_PROXY: '127.0.0.0/8,::1', CORS_ORIGINS: ORIGIN } });
    ({ t, admin: adminToken } = app);
  });
  after(async () => {
    await app.close();
  });

  it('keeps liveness answering in milliseconds while wide bodies arrive, and refuses each quickly', async (ctx) => {
    const huge = wideJson(70_000); // ~800 KB: over the default limit, under the import's
    assert.ok(huge.length > 700_000 && huge.length < 1024 * 1024, `huge body is ${huge.length} bytes`);
    const underLimit = wideJson(1_500); // ~15 KB: under the default 16 KiB, far over 64 keys
    assert.ok(underLimit.length < 16 * 1024);
    const manyValues = JSON.stringify({ a: JSON.parse(wideJson(60)), b: JSON.parse(wideJson(60)), c: [...Array(200)] });
    const attacks: { path: string; raw: string; token?: string; expect: number[] }[] = [];
    for (let i = 0; i < 20; i++) {
      const kind = i % 5;
      if (kind === 0) attacks.push({ path: '/api/v1/auth/email/verify', raw: huge, expect: [413] });
      if (kind === 1) attacks.push({ path: '/api/v1/auth/email/verify', raw: underLimit, expect: [400] });
      if (kind === 2) attacks.push({ path: '/api/v1/users/import', raw: huge, expect: [400] });
      if (kind === 3) attacks.push({ path: '/api/v1/users/import', raw: huge, token: adminToken, expect: [400] });
      if (kind === 4) attacks.push({ path: '/api/v1/auth/register', raw: manyValues, expect: [400] });
    }

    let polling = true;
    let worst = 0;
    let polls = 0;
    const poller = (async () => {
      while (polling) {
        const started = performance.now();
        const res = await fetch(`${t.url}/health/liveness`);
        await res.arrayBuffer();
        assert.equal(res.status, 200);
        worst = Math.max(worst, performance.now() - started);
        polls += 1;
        await delay(5);
      }
    })();
    await delay(50);
    const started = performance.now();
    const answers = await Promise.all(
      attacks.map(async (attack) => {
        const sent = performance.now();
        const res = await http(t.url, 'POST', attack.path, { raw: attack.raw, token: attack.token });
        return { attack, res, ms: performance.now() - sent };
      }),
    );
    const allMs = performance.now() - started;
    await delay(50);
    polling = false;
    await poller;

    const slowest = Math.max(...answers.map((a) => a.ms));
    const figures = `worst liveness latency ${worst.toFixed(1)} ms over ${polls} polls; 20 wide bodies answered in ${allMs.toFixed(0)} ms (slowest ${slowest.toFixed(0)} ms)`;
    ctx.diagnostic(figures);
    console.log(`[http-hardening] ${figures}`);
    for (const { attack, res } of answers) {
      const what = `${attack.path} (${attack.raw.length} bytes${attack.token === undefined ? '' : ', as admin'})`;
      assert.ok(attack.expect.includes(res.status), `${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      assert.deepEqual(Object.keys(res.body as object).sort(), ERROR_KEYS, what);
      if (res.status === 400) {
        assert.equal(res.body.error_code, 'COMMON_1000', what);
        assert.ok((res.body.details as unknown[]).length <= 6, `${what}: a short error list`);
        assert.ok(JSON.stringify(res.body).length < 2000, `${what}: a small answer`);
      } else {
        assert.equal(res.body.error_code, 'COMMON_1413', what);
      }
    }
    // Before the bounds one such body blocked the process for 9-58 s (issue 11).
    assert.ok(worst < 1000, `liveness stalled for ${worst.toFixed(0)} ms`);
  });

  it('lists at most five validation errors, then how many more there were', async () => {
    const body: Record<string, unknown> = { ...newIdentity('cap') };
    for (let i = 0; i < 20; i++) body[`unknown${i}`] = i;
    const res = await http(t.url, 'POST', '/api/v1/auth/register', { body });
    assertError(res, 400, 'COMMON_1000', '20 unknown fields');
    const details = res.body.details as { field: string; errors: string[] }[];
    assert.equal(details.length, 6);
    assert.deepEqual(details[5], { field: '(more)', errors: ['…and 15 more'] });
    // Up to five, every error is listed as before.
    const few = await http(t.url, 'POST', '/api/v1/auth/register', { body: { ...newIdentity('cap'), x: 1, y: 2 } });
    assertError(few, 400, 'COMMON_1000', 'two unknown fields');
    assert.deepEqual(
      (few.body.details as { field: string }[]).map((d) => d.field),
      ['x', 'y'],
    );
  });

  it('bounds bodies by route: kilobytes by default, 1 MiB and 1000 users for the import', async () => {
    const justOver = JSON.stringify({ token: 'x'.repeat(16 * 1024) });
    assertError(
      await http(t.url, 'POST', '/api/v1/auth/email/verify', { raw: justOver }),
      413,
      'COMMON_1413',
      'a body over 16 KiB on an ordinary route',
    );
    // 1000 users (about 150 KB) reach validation on the import: neither 413 nor the shape
    // bound refuses them. Each has an unknown role, so nothing is imported and the answer
    // lists five errors and counts the rest.
    const users = Array.from({ length: 1000 }, (_, i) => ({
      email: `imported-${i}@example.com`,
      name: `Imported ${i}`,
      username: `imp${i}`,
      role: 'superuser',
      is_verified: false,
      phone: '+15550000000',
      password_hash: `$2b$10$${'a'.repeat(53)}`,
    }));
    const big = await http(t.url, 'POST', '/api/v1/users/import', { token: adminToken, body: { users } });
    assertError(big, 400, 'COMMON_1000', '1000 users with an unknown role');
    const details = big.body.details as { field: string; errors: string[] }[];
    assert.equal(details[0].field, 'users.0.role');
    assert.deepEqual(details[5], { field: '(more)', errors: ['…and 995 more'] });
    const overImportLimit = JSON.stringify({ users: [{ email: 'x'.repeat(1024 * 1024) }] });
    assertError(
      await http(t.url, 'POST', '/api/v1/users/import', { token: adminToken, raw: overImportLimit }),
      413,
      'COMMON_1413',
      'over the import limit',
    );
    // The shape bounds still hold on the import: one object of 65 keys is refused.
    const wideUser = { users: [JSON.parse(wideJson(65)) as object] };
    const wide = await http(t.url, 'POST', '/api/v1/users/import', { token: adminToken, body: wideUser });
    assertError(wide, 400, 'COMMON_1000', 'a 65-key user');
    assert.match(JSON.stringify(wide.body.details), /at most 64/);
  });

  it('answers 401 USER_1006 to a refresh token it never issued, whatever its shape', async () => {
    const user = await registerAndLogin(t.url);
    const never = [
      '',
      'x',
      'a'.repeat(10_000),
      user.access, // a JWT: dots
      "' OR '1'='1' --",
      'A'.repeat(43), // the right shape, never issued
      '🙂'.repeat(30),
      `${user.refresh}\n`,
      ' ',
    ];
    for (const token of never) {
      const res = await http(t.url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: token } });
      assertError(res, 401, 'USER_1006', `refresh_token ${JSON.stringify(token.slice(0, 40))}`);
    }
    // The body must still carry a string: no token at all is a client bug.
    for (const body of [{}, { refresh_token: 123 }, { refresh_token: null }, { refresh_token: ['x'] }]) {
      assertError(
        await http(t.url, 'POST', '/api/v1/auth/refresh', { body }),
        400,
        'COMMON_1000',
        JSON.stringify(body),
      );
    }
    // The real token still rotates (none of the above touched its session).
    const rotated = await http(t.url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: user.refresh } });
    assert.equal(rotated.status, 200);
    assert.equal(rotated.headers.get('cache-control'), 'no-store');
  });

  it('takes the client IP from a trusted proxy, and never fails on a forwarded value that is not an IP', async () => {
    const u = await registerAndLogin(t.url);
    const login = (xff: string) =>
      http(t.url, 'POST', '/api/v1/auth/login', {
        headers: { 'x-forwarded-for': xff },
        body: { email: u.identity.email, password: u.identity.password },
      });
    assert.equal((await login('203.0.113.7')).status, 200);
    for (const xff of ['garbage', 'unknown', '_hidden', `${'a'.repeat(100)}`, '999.1.1.1', '1.2.3.4, not-an-ip']) {
      const res = await login(xff);
      assert.equal(res.status, 200, `X-Forwarded-For: ${xff}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    const rows = await sql<{ ip_address: string | null }>(
      t.databaseUrl,
      'SELECT ip_address FROM sessions WHERE user_id = $1 ORDER BY created_at',
      [u.id],
    );
    const ips = rows.map((r) => r.ip_address);
    assert.ok(ips.includes('203.0.113.7'), `the trusted proxy's client: ${ips.join(', ')}`);
    for (const ip of ips) assert.ok(ip === null || /^[0-9a-f.:]+$/i.test(ip), `stored ${ip}`);
  });

  it('sends the security headers on every answer, and no-store on tokens', async () => {
    const user = await registerAndLogin(t.url);
    const answers: [string, Response][] = [
      ['liveness', await fetch(`${t.url}/health/liveness`)],
      ['404', await fetch(`${t.url}/api/v1/nope`)],
      ['405', await fetch(`${t.url}/api/v1/auth/login`, { method: 'DELETE' })],
      ['400', await fetch(`${t.url}/api/v1/auth/login`, { method: 'POST', body: '{', headers: JSON_TYPE })],
      ['malformed URL', await fetch(`${t.url}/api/v1/users/by-username/%zz`)],
      ['me', await fetch(`${t.url}/api/v1/users/me`, { headers: { authorization: `Bearer ${user.access}` } })],
      [
        'login',
        await fetch(`${t.url}/api/v1/auth/login`, {
          method: 'POST',
          headers: JSON_TYPE,
          body: JSON.stringify({ email: user.identity.email, password: user.identity.password }),
        }),
      ],
    ];
    for (const [what, res] of answers) {
      await res.arrayBuffer();
      const h = res.headers;
      assert.equal(h.get('x-content-type-options'), 'nosniff', what);
      assert.match(h.get('strict-transport-security') ?? '', /max-age=\d{7,}/, what);
      assert.match(h.get('content-security-policy') ?? '', /frame-ancestors 'none'/, what);
      assert.equal(h.get('referrer-policy'), 'no-referrer', what);
      assert.equal(h.get('cache-control'), 'no-store', what);
    }
    const login = answers[6][1];
    assert.equal(login.status, 200);
  });

  it('answers CORS preflights for every method of the API', async () => {
    const doc = await http(t.url, 'GET', '/docs-json');
    const methods = new Set<string>();
    for (const item of Object.values(doc.body.paths as Record<string, Record<string, unknown>>)) {
      for (const m of Object.keys(item)) methods.add(m.toUpperCase());
    }
    assert.ok(methods.has('PATCH') && methods.has('DELETE') && methods.has('PUT'), [...methods].join());
    for (const method of methods) {
      const res = await fetch(`${t.url}/api/v1/users/me`, {
        method: 'OPTIONS',
        headers: {
          origin: ORIGIN,
          'access-control-request-method': method,
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      assert.equal(res.status, 204, method);
      assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN);
      const allowed = (res.headers.get('access-control-allow-methods') ?? '').split(/,\s*/);
      assert.ok(allowed.includes(method), `${method} in ${allowed.join()}`);
    }
    const other = await fetch(`${t.url}/api/v1/users/me`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'DELETE' },
    });
    assert.equal(other.headers.get('access-control-allow-origin'), null, 'another origin is not allowed');
  });

  it('answers form-encoded and other non-JSON bodies with 415', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
      const res = await http(t.url, 'POST', '/api/v1/auth/login', {
        raw: 'email=a%40b.io&password=x',
        headers: { 'content-type': type },
      });
      assertError(res, 415, 'COMMON_1415', type);
    }
  });

  it('serves Swagger UI with a CSP that allows everything the page loads', async () => {
    const page = await fetch(`${t.url}/docs`);
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy') ?? '';
    const html = await page.text();
    const directive = (name: string) =>
      csp
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .find((d) => d[0] === name)
        ?.slice(1) ?? [];
    assert.deepEqual(directive('script-src'), ["'self'"]);
    assert.ok(directive('style-src').includes("'unsafe-inline'"), 'Swagger UI styles inline');
    assert.ok(directive('img-src').includes('data:'), 'Swagger UI icons are data: URIs');
    // Every script is a file of this origin (no inline script, which script-src 'self' blocks).
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.ok(scripts.length >= 3);
    for (const [, attrs, inline] of scripts) {
      assert.match(attrs, /src="/, 'no inline script');
      assert.equal(inline.trim(), '', 'no inline script');
    }
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    for (const asset of assets) {
      assert.ok(!/^[a-z]+:\/\//i.test(asset), `${asset} is same-origin`);
      const res = await fetch(new URL(asset, `${t.url}/docs`));
      assert.equal(res.status, 200, asset);
      await res.arrayBuffer();
    }
  });
});

const JSON_TYPE = { 'content-type': 'application/json' };
