import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from '../utils/app.js';
import { sql } from '../utils/database.js';
import { registerAndLogin, startWithAdmin, type AppWithAdmin } from '../utils/factories.js';
import { http, type Res } from '../utils/http.js';
import { PASSWORD_FIXTURES as FIXTURES, type PasswordFixture as Fixture } from '../utils/password-fixtures.js';
import { outboxRowsOf } from '../utils/rows.js';

/** The import of users with the password hashes of another system, and their upgrade at login. */

const ADMIN = { email: 'import-admin@example.com', password: 'Admin-Passw0rd-Long' };
const SERVICE_TOKEN = 'svc-token-for-import-tests-0123456789';
/** The argon2id parameters this instance hashes with: upgraded hashes must carry them. */
const ARGON2 = { m: 19456, t: 2, p: 1 };
const CURRENT_TAG = `$argon2id$v=19$m=${ARGON2.m},t=${ARGON2.t},p=${ARGON2.p}$`;

const tag = (): string => randomBytes(4).toString('hex');

describe('hash import', () => {
  let app: AppWithAdmin;
  let t: TestApp;
  let admin: string;
  let adminId: string;
  before(async () => {
    app = await startWithAdmin(ADMIN, {
      env: {
        ALLOWED_API_TOKENS: SERVICE_TOKEN,
        ARGON2_MEMORY_KIB: String(ARGON2.m),
        ARGON2_TIME_COST: String(ARGON2.t),
        ARGON2_PARALLELISM: String(ARGON2.p),
      },
    });
    ({ t, admin, adminId } = app);
  });
  after(async () => {
    await app.close();
  });

  const importUsers = (users: unknown[], token = admin): Promise<Res> =>
    http(t.url, 'POST', '/api/v1/users/import', { token, body: { users } });

  it('imports reference hashes; each user logs in with the old password and is upgraded to argon2id', async () => {
    const run = tag();
    const users = FIXTURES.map((f, i) => ({
      email: `Import-${run}-${f.id}@Example.com`,
      name: `Imported ${f.id}`,
      username: `imp${run}${i}`,
      password_hash: f.hash,
      ...(i === 0 ? { role: 'moderator', is_verified: true, phone: '+82 10 1234 5678' } : {}),
    }));
    const res = await importUsers(users);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.imported, FIXTURES.length, JSON.stringify(res.body.results));
    assert.equal(res.body.skipped, 0);
    assert.equal(res.body.failed, 0);
    assert.deepEqual(
      res.body.results.map((r: { email: string; status: string }) => [r.email, r.status]),
      users.map((u) => [u.email, 'imported']),
      'one result per user, in request order',
    );

    const first = await http(t.url, 'GET', `/api/v1/users/${res.body.results[0].id as string}`, { token: admin });
    assert.equal(first.body.email, users[0]?.email.toLowerCase());
    assert.equal(first.body.role, 'moderator');
    assert.equal(first.body.is_verified, true);
    assert.equal(first.body.phone, '+82 10 1234 5678');

    for (const [i, f] of FIXTURES.entries()) {
      const id = res.body.results[i].id as string;
      const email = users[i]?.email;
      const stored = async (): Promise<string> =>
        (await sql<{ h: string }>(t.databaseUrl, 'SELECT password_hash AS h FROM users WHERE id = $1', [id]))[0]?.h;
      assert.equal(await stored(), f.hash, `${f.id}: stored as given`);

      const wrong = await http(t.url, 'POST', '/api/v1/auth/login', {
        body: { email, password: `${f.password}!` },
      });
      assert.equal(wrong.status, 401, `${f.id}: another password is refused`);
      assert.equal(await stored(), f.hash, `${f.id}: a failed login changes nothing`);

      const login = await http(t.url, 'POST', '/api/v1/auth/login', { body: { email, password: f.password } });
      assert.equal(login.status, 200, `${f.id} (${f.variant}) logs in with its old password`);
      const upgraded = await stored();
      assert.ok(upgraded.startsWith(CURRENT_TAG), `${f.id}: now ${upgraded.slice(0, 40)}`);
      if (!f.hash.startsWith(CURRENT_TAG)) assert.notEqual(upgraded, f.hash, `${f.id}: rehashed`);

      const again = await http(t.url, 'POST', '/api/v1/auth/login', { body: { email, password: f.password } });
      assert.equal(again.status, 200, `${f.id}: the upgraded hash works`);
      assert.equal(await stored(), upgraded, `${f.id}: no second rehash`);
      assert.equal(
        (await http(t.url, 'POST', '/api/v1/auth/login', { body: { email, password: `${f.password}!` } })).status,
        401,
      );
    }
  });

  it('upgrades on a service-token credential check too', async () => {
    const bcrypt = FIXTURES.find((f) => f.id === 'bcrypt-2y') as Fixture;
    const email = `svc-${tag()}@example.com`;
    const res = await importUsers([{ email, name: 'Via service', password_hash: bcrypt.hash }]);
    assert.equal(res.body.imported, 1);
    const check = await http(t.url, 'POST', '/api/v1/users/verify-credentials', {
      headers: { 'x-service-token': SERVICE_TOKEN },
      body: { email, password: bcrypt.password },
    });
    assert.equal(check.body.valid, true);
    const row = await sql<{ h: string }>(t.databaseUrl, 'SELECT password_hash AS h FROM users WHERE email = $1', [
      email,
    ]);
    assert.ok(row[0]?.h.startsWith(CURRENT_TAG));
  });

  it('emits user.created with source import and audits each import', async () => {
    const email = `evt-${tag()}@example.com`;
    const res = await importUsers([{ email, name: 'Evented', password_hash: FIXTURES[0]?.hash }]);
    const id = res.body.results[0].id as string;
    const events = await outboxRowsOf<Record<string, unknown>>(t.databaseUrl, 'user.created', id);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.payload.source, 'import');
    assert.equal(events[0]?.payload.email, email);
    assert.doesNotMatch(JSON.stringify(events[0]?.payload), /argon2|password/);
    const audit = await http(t.url, 'GET', `/api/v1/audit?action=user.import&user_id=${id}`, { token: admin });
    assert.equal(audit.body.total, 1);
    assert.equal(audit.body.items[0].actor_id, adminId);
    assert.deepEqual(audit.body.items[0].details, { hash_algorithm: 'argon2id' });
  });

  it('skips existing emails and usernames, fails bad rows with a reason, and commits each user alone', async () => {
    const existing = await registerAndLogin(t.url);
    const run = tag();
    const good = FIXTURES.find((f) => f.id === 'werkzeug-scrypt-unicode') as Fixture;
    const pbkdf2 = FIXTURES.find((f) => f.id === 'werkzeug-pbkdf2-260000') as Fixture;
    const users = [
      { email: `ok1-${run}@example.com`, name: 'OK 1', password_hash: good.hash },
      { email: existing.identity.email.toUpperCase(), name: 'Dup email', password_hash: good.hash },
      {
        email: `dupname-${run}@example.com`,
        name: 'Dup name',
        username: existing.identity.username.toUpperCase(),
        password_hash: good.hash,
      },
      { email: `plain-${run}@example.com`, name: 'Plain', password_hash: 'hunter2' },
      { email: `md5-${run}@example.com`, name: 'MD5', password_hash: '5f4dcc3b5aa765d61d327deb882cf99b' },
      {
        email: `argon2d-${run}@example.com`,
        name: 'Argon2d',
        password_hash: '$argon2d$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo',
      },
      { email: `nopbkdfiter-${run}@example.com`, name: 'Old', password_hash: 'pbkdf2:sha256$salt$abcd' },
      { email: 'not-an-email', name: 'Bad email', password_hash: good.hash },
      { email: `badname-${run}@example.com`, name: 'Bad username', username: 'a b', password_hash: good.hash },
      { email: `ok2-${run}@example.com`, name: 'OK 2', password_hash: pbkdf2.hash },
      { email: `OK1-${run}@example.com`, name: 'Same as first', password_hash: good.hash },
    ];
    const res = await importUsers(users);
    assert.equal(res.status, 200);
    const results = res.body.results as { email: string; status: string; id?: string; reason?: string }[];
    assert.deepEqual(
      results.map((r) => r.status),
      [
        'imported',
        'skipped',
        'skipped',
        'failed',
        'failed',
        'failed',
        'failed',
        'failed',
        'failed',
        'imported',
        'skipped',
      ],
      JSON.stringify(results),
    );
    assert.deepEqual([res.body.imported, res.body.skipped, res.body.failed], [2, 3, 6]);
    assert.equal(results[1]?.reason, 'email already registered');
    assert.equal(results[2]?.reason, 'username taken');
    assert.match(results[3]?.reason ?? '', /password_hash: unsupported hash format/);
    assert.match(results[5]?.reason ?? '', /argon2/);
    assert.match(results[6]?.reason ?? '', /pbkdf2/);
    assert.equal(results[7]?.reason, 'invalid email');
    assert.match(results[8]?.reason ?? '', /username/);
    for (const r of results) {
      assert.equal(r.id !== undefined, r.status === 'imported', `${r.email}: id only when imported`);
      assert.equal(r.reason !== undefined, r.status !== 'imported', `${r.email}: reason unless imported`);
    }
    assert.doesNotMatch(JSON.stringify(res.body), /hunter2|5f4dcc3b/, 'hashes are not echoed');

    const rows = await sql<{ email: string }>(
      t.databaseUrl,
      `SELECT email FROM users WHERE email LIKE $1 ORDER BY email`,
      [`%-${run}@example.com`],
    );
    assert.deepEqual(
      rows.map((r) => r.email),
      [`ok1-${run}@example.com`, `ok2-${run}@example.com`],
      'the good users were committed, the bad ones left nothing behind',
    );
    const login = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: `ok2-${run}@example.com`, password: pbkdf2.password },
    });
    assert.equal(login.status, 200);

    const retry = await importUsers(users.slice(0, 1));
    assert.deepEqual(retry.body.results[0], {
      email: users[0]?.email,
      status: 'skipped',
      reason: 'email already registered',
    });
  });

  it('takes 1 to 1000 users per call and refuses malformed batches whole', async () => {
    const thousand = Array.from({ length: 1000 }, (_, i) => ({
      email: `bulk-${i}@example.com`,
      name: 'Bulk',
      password_hash: `md5$${i}`,
    }));
    const ok = await importUsers(thousand);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.failed, 1000);
    assert.equal(ok.body.results.length, 1000);

    const tooMany = await importUsers([...thousand, { email: 'one-more@example.com', name: 'x', password_hash: 'x' }]);
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.body.error_code, 'COMMON_1000');
    assert.equal((await importUsers([])).status, 400);
    for (const body of [
      {},
      { users: 'all' },
      { users: [{ email: 'x@example.com', name: 'x' }] },
      { users: [{ email: 'x@example.com', name: 'x', password_hash: 'h', role: 'root' }] },
      { users: [{ email: 'x@example.com', name: 'x', password_hash: 'h', is_verified: 'yes' }] },
      { users: [{ email: 'x@example.com', name: 'x', password_hash: 'h', password: 'plain' }] },
    ]) {
      const res = await http(t.url, 'POST', '/api/v1/users/import', { token: admin, body });
      assert.equal(res.status, 400, JSON.stringify(body));
    }
    const rows = await sql(t.databaseUrl, `SELECT 1 FROM users WHERE email = 'x@example.com' OR email LIKE 'bulk-%'`);
    assert.deepEqual(rows, []);
  });

  it('is for admins only', async () => {
    const u = await registerAndLogin(t.url);
    const body = { users: [{ email: `x-${tag()}@example.com`, name: 'x', password_hash: FIXTURES[0]?.hash }] };
    const asUser = await http(t.url, 'POST', '/api/v1/users/import', { token: u.access, body });
    assert.equal(asUser.status, 403);
    assert.equal(asUser.body.error_code, 'COMMON_1003');
    assert.equal((await http(t.url, 'POST', '/api/v1/users/import', { body })).status, 401);
  });
});
