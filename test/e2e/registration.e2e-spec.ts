import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../utils/app.js';
import { sql } from '../utils/database.js';
import { newIdentity } from '../utils/factories.js';
import { http } from '../utils/http.js';
import { outboxRowsOf } from '../utils/rows.js';

const ERROR_KEYS = ['details', 'error_code', 'message', 'request_id', 'timestamp'];

describe('registration and request edges', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t.close();
  });

  it('registers a user and never returns the hash', async () => {
    const id = newIdentity();
    const res = await http(t.url, 'POST', '/api/v1/auth/register', { body: { ...id, email: id.email.toUpperCase() } });
    assert.equal(res.status, 201);
    assert.equal(res.body.email, id.email, 'email is stored lower-cased');
    assert.equal(res.body.role, 'user');
    assert.equal(res.body.is_verified, false);
    assert.equal(res.body.mfa_enabled, false);
    assert.deepEqual(Object.keys(res.body).sort(), [
      'business_number',
      'business_type',
      'created_at',
      'email',
      'id',
      'industry',
      'is_active',
      'is_verified',
      'last_login_at',
      'mfa_enabled',
      'name',
      'phone',
      'region',
      'role',
      'updated_at',
      'username',
    ]);
    assert.doesNotMatch(JSON.stringify(res.body), /argon2|password/i);
    const rows = await sql<{ password_hash: string }>(t.databaseUrl, 'SELECT password_hash FROM users WHERE id = $1', [
      res.body.id,
    ]);
    assert.match(rows[0]?.password_hash ?? '', /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
  });

  it('refuses the same email in another case with 409 USER_1102', async () => {
    const id = newIdentity();
    assert.equal((await http(t.url, 'POST', '/api/v1/auth/register', { body: id })).status, 201);
    const again = await http(t.url, 'POST', '/api/v1/auth/register', {
      body: { ...id, username: undefined, email: `  ${id.email.toUpperCase()} ` },
    });
    assert.equal(again.status, 409);
    assert.equal(again.body.error_code, 'USER_1102');
    assert.deepEqual(Object.keys(again.body).sort(), ERROR_KEYS);
  });

  it('refuses a taken username in another case with 409 USER_1105', async () => {
    const a = newIdentity();
    const b = newIdentity();
    assert.equal((await http(t.url, 'POST', '/api/v1/auth/register', { body: a })).status, 201);
    const res = await http(t.url, 'POST', '/api/v1/auth/register', {
      body: { ...b, username: a.username.toUpperCase() },
    });
    assert.equal(res.status, 409);
    assert.equal(res.body.error_code, 'USER_1105');
  });

  it('names the broken password rules with 400 USER_1103', async () => {
    const cases: [string, string][] = [
      ['Sh0rt!', 'min_length'],
      ['alllowercase-123', 'uppercase'],
      ['ALLUPPERCASE-123', 'lowercase'],
      ['No-Digits-Here', 'digit'],
      ['NoSpecials1234', 'special'],
      ['P@ssw0rd', 'common'],
      [`Aa1-${'x'.repeat(130)}`, 'max_length'],
    ];
    for (const [password, rule] of cases) {
      const res = await http(t.url, 'POST', '/api/v1/auth/register', { body: { ...newIdentity(), password } });
      assert.equal(res.status, 400, password);
      assert.equal(res.body.error_code, 'USER_1103');
      assert.ok(
        res.body.details.rules.includes(rule),
        `${password} breaks ${rule}: ${JSON.stringify(res.body.details)}`,
      );
    }
  });

  it('refuses a malformed email with 400 USER_1104', async () => {
    for (const email of ['plainaddress', 'a@b', '@example.com', 'a b@example.com', 'a@exa mple.com']) {
      const res = await http(t.url, 'POST', '/api/v1/auth/register', { body: { ...newIdentity(), email } });
      assert.equal(res.status, 400, email);
      assert.equal(res.body.error_code, 'USER_1104', email);
    }
  });

  it('stores unicode names and passwords intact', async () => {
    const id = { ...newIdentity(), name: 'Zoë Ångström 山田 太郎 🚀', password: 'Пароль-Ω1-секрет' };
    const res = await http(t.url, 'POST', '/api/v1/auth/register', { body: id });
    assert.equal(res.status, 201);
    assert.equal(res.body.name, id.name);
    const login = await http(t.url, 'POST', '/api/v1/auth/login', { body: { email: id.email, password: id.password } });
    assert.equal(login.status, 200);
  });

  it('answers wrong types, unknown fields and control characters with COMMON_1000 naming the fields', async () => {
    const wrong = await http(t.url, 'POST', '/api/v1/auth/register', {
      body: { email: 42, password: true, name: ['x'] },
    });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error_code, 'COMMON_1000');
    const fields = (wrong.body.details as { field: string }[]).map((d) => d.field);
    assert.deepEqual([...new Set(fields)].sort(), ['email', 'name', 'password']);
    const extra = await http(t.url, 'POST', '/api/v1/auth/register', { body: { ...newIdentity(), role: 'admin' } });
    assert.equal(extra.status, 400);
    assert.ok(
      (extra.body.details as { field: string }[]).some((d) => d.field === 'role'),
      'role cannot be self-assigned',
    );
    const ctl = await http(t.url, 'POST', '/api/v1/auth/register', {
      body: { ...newIdentity(), name: 'bad\u0000name' },
    });
    assert.equal(ctl.status, 400);
    const longName = await http(t.url, 'POST', '/api/v1/auth/register', {
      body: { ...newIdentity(), name: 'x'.repeat(10_000) },
    });
    assert.equal(longName.status, 400);
  });

  it('answers malformed JSON 400, non-JSON 415, huge bodies 413, unknown routes 404 — all with the error body', async () => {
    const bad = await http(t.url, 'POST', '/api/v1/auth/register', { raw: '{"email": "a@b.co",' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error_code, 'COMMON_1400');
    assert.deepEqual(Object.keys(bad.body).sort(), ERROR_KEYS);
    const text = await http(t.url, 'POST', '/api/v1/auth/register', {
      raw: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(text.status, 415);
    assert.equal(text.body.error_code, 'COMMON_1415');
    const huge = await http(t.url, 'POST', '/api/v1/auth/register', {
      raw: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }),
    });
    assert.equal(huge.status, 413);
    assert.equal(huge.body.error_code, 'COMMON_1413');
    const missing = await http(t.url, 'GET', '/api/v1/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error_code, 'COMMON_1004');
    const deep = await http(t.url, 'POST', '/api/v1/auth/register', { raw: `${'['.repeat(5000)}${']'.repeat(5000)}` });
    assert.equal(deep.status, 400);
    const array = await http(t.url, 'POST', '/api/v1/auth/register', { raw: '[]' });
    assert.equal(array.status, 400);
    const nul = await http(t.url, 'POST', '/api/v1/auth/register', { raw: 'null' });
    assert.equal(nul.status, 400);
  });

  it('echoes a sane X-Request-Id and puts it in error bodies', async () => {
    const res = await http(t.url, 'GET', '/api/v1/nope', { headers: { 'x-request-id': 'trace-abc-123' } });
    assert.equal(res.headers.get('x-request-id'), 'trace-abc-123');
    assert.equal(res.body.request_id, 'trace-abc-123');
    const forged = await http(t.url, 'GET', '/api/v1/nope', { headers: { 'x-request-id': 'bad id\twith spaces' } });
    assert.notEqual(forged.body.request_id, 'bad id\twith spaces');
    assert.match(forged.body.request_id as string, /^[0-9a-f-]{36}$/);
  });

  it('lets exactly one of ten concurrent registrations of one email win; the rest get 409', async () => {
    const id = newIdentity();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        http(t.url, 'POST', '/api/v1/auth/register', {
          body: { ...id, username: undefined, email: i % 2 === 0 ? id.email : id.email.toUpperCase() },
        }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    assert.ok(results.filter((r) => r.status === 409).every((r) => r.body.error_code === 'USER_1102'));
    const rows = await sql(t.databaseUrl, 'SELECT id FROM users WHERE email = $1', [id.email]);
    assert.equal(rows.length, 1);
    const events = await outboxRowsOf(
      t.databaseUrl,
      'user.created',
      (results.find((r) => r.status === 201) as { body: { id: string } }).body.id,
    );
    assert.equal(events.length, 1, 'one user.created event, committed with the user');
  });

  it('keeps what is stored when a request fails', async () => {
    const id = newIdentity();
    const first = await http(t.url, 'POST', '/api/v1/auth/register', { body: id });
    await http(t.url, 'POST', '/api/v1/auth/register', { body: { ...id, name: 'Overwritten?' } });
    const rows = await sql<{ name: string }>(t.databaseUrl, 'SELECT name FROM users WHERE id = $1', [first.body.id]);
    assert.equal(rows[0]?.name, id.name);
  });
});
