import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { hashToken } from '#src/modules/sessions/token-hash.js';
import { startTestApp, type TestApp } from '../utils/app.js';
import { sql } from '../utils/database.js';
import { newIdentity, registerAndLogin } from '../utils/factories.js';
import { http, type Res } from '../utils/http.js';

const ADMIN = { email: 'gdpr-admin@example.com', password: 'Admin-Passw0rd-Long' };
const SERVICE_TOKEN = 'svc-token-for-gdpr-tests-0123456789';
/** The argon2id parameters this instance hashes with: upgraded hashes must carry them. */
const ARGON2 = { m: 19456, t: 2, p: 1 };
const CURRENT_TAG = `$argon2id$v=19$m=${ARGON2.m},t=${ARGON2.t},p=${ARGON2.p}$`;

interface Fixture {
  id: string;
  algorithm: string;
  variant: string;
  password: string;
  hash: string;
}

// Hashes made by werkzeug, pyca/bcrypt and argon2-cffi (test/fixtures/generate-hashes.py).
const FIXTURES = (
  JSON.parse(readFileSync(new URL('../../../test/fixtures/password-hashes.json', import.meta.url), 'utf8')) as {
    hashes: Fixture[];
  }
).hashes;

const tag = (): string => randomBytes(4).toString('hex');

describe('GDPR export and erasure, audit log, hash import', () => {
  let t: TestApp;
  let admin: string;
  let adminId: string;
  before(async () => {
    t = await startTestApp({
      env: {
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        ALLOWED_API_TOKENS: SERVICE_TOKEN,
        MAX_LOGIN_ATTEMPTS: '3',
        ARGON2_MEMORY_KIB: String(ARGON2.m),
        ARGON2_TIME_COST: String(ARGON2.t),
        ARGON2_PARALLELISM: String(ARGON2.p),
      },
    });
    const login = await http(t.url, 'POST', '/api/v1/auth/login', { body: ADMIN });
    admin = login.body.access_token as string;
    adminId = (await http(t.url, 'GET', '/api/v1/users/me', { token: admin })).body.id as string;
  });
  after(async () => {
    await t.close();
  });

  describe('GDPR', () => {
    it('exports badges and goals with everything else, and no secrets', async () => {
      const u = await registerAndLogin(t.url);
      await http(t.url, 'POST', `/api/v1/users/${u.id}/badges`, {
        token: u.access,
        body: { name: 'Early bird', icon_url: 'https://cdn.example.com/b.png' },
      });
      await http(t.url, 'POST', `/api/v1/users/${u.id}/goals`, {
        token: u.access,
        body: { title: 'Learn Rust', status: 'completed', streak_count: 4 },
      });
      await http(t.url, 'PUT', `/api/v1/users/${u.id}/role`, { token: admin, body: { role: 'moderator' } });
      const res = await http(t.url, 'GET', '/api/v1/users/me/export', { token: u.access });
      assert.equal(res.status, 200);
      const body = res.body as Record<string, any>;
      assert.deepEqual(Object.keys(body).sort(), [
        'audit',
        'badges',
        'exported_at',
        'goals',
        'login_history',
        'profile',
        'sessions',
      ]);
      assert.equal(body.profile.email, u.identity.email);
      assert.equal(body.badges.length, 1);
      assert.equal(body.badges[0].name, 'Early bird');
      assert.equal(body.badges[0].icon_url, 'https://cdn.example.com/b.png');
      assert.ok(body.badges[0].created_at);
      assert.equal(body.goals.length, 1);
      assert.equal(body.goals[0].title, 'Learn Rust');
      assert.equal(body.goals[0].streak_count, 4);
      assert.ok(
        body.audit.some(
          (a: { action: string; actor_id: string }) => a.action === 'user.role_change' && a.actor_id === adminId,
        ),
        'audit entries about the user',
      );
      assert.ok(body.sessions.length >= 1 && body.login_history.length >= 1);
      assert.doesNotMatch(JSON.stringify(body), /argon2|password_hash|refresh_token_hash|token_hash/);
    });

    it('erases badges and goals with the account, keeps the audit trail, and frees the email', async () => {
      const u = await registerAndLogin(t.url);
      for (let i = 0; i < 3; i++) {
        await http(t.url, 'POST', `/api/v1/users/${u.id}/badges`, { token: u.access, body: { name: `b${i}` } });
        await http(t.url, 'POST', `/api/v1/users/${u.id}/goals`, { token: u.access, body: { title: `g${i}` } });
      }
      const count = async (id: string): Promise<{ badges: number; goals: number }> =>
        (
          await sql<{ badges: number; goals: number }>(
            t.databaseUrl,
            `SELECT (SELECT count(*)::int FROM badges WHERE user_id = $1) AS badges,
                    (SELECT count(*)::int FROM learning_goals WHERE user_id = $1) AS goals`,
            [id],
          )
        )[0];
      assert.deepEqual(await count(u.id), { badges: 3, goals: 3 });
      await http(t.url, 'PUT', `/api/v1/users/${u.id}/role`, { token: admin, body: { role: 'user' } });

      const erased = await http(t.url, 'DELETE', '/api/v1/users/me', {
        token: u.access,
        body: { password: u.identity.password },
      });
      assert.equal(erased.status, 204);
      assert.deepEqual(await count(u.id), { badges: 0, goals: 0 }, 'extras deleted although the row stays');
      const row = await sql<{ email: string; name: string; deleted_at: Date | null }>(
        t.databaseUrl,
        'SELECT email, name, deleted_at FROM users WHERE id = $1',
        [u.id],
      );
      assert.notEqual(row[0]?.email, u.identity.email);
      assert.equal(row[0]?.name, 'Erased user');
      assert.ok(row[0]?.deleted_at);
      assert.equal((await http(t.url, 'GET', `/api/v1/users/${u.id}/badges`)).status, 404);
      assert.equal((await http(t.url, 'GET', `/api/v1/users/${u.id}/goals`)).status, 404);
      const audit = await sql<{ action: string }>(
        t.databaseUrl,
        'SELECT action FROM audit_log WHERE target_user_id = $1 ORDER BY created_at',
        [u.id],
      );
      assert.deepEqual(
        audit.map((a) => a.action),
        ['user.role_change', 'user.delete'],
        'non-personal audit rows stay',
      );
      const deleted = await sql(
        t.databaseUrl,
        `SELECT 1 FROM outbox_events WHERE event_type = 'user.deleted' AND aggregate_id = $1`,
        [u.id],
      );
      assert.equal(deleted.length, 1);

      const again = await http(t.url, 'POST', '/api/v1/auth/register', { body: u.identity });
      assert.equal(again.status, 201, 'the erased email registers again');
      assert.notEqual(again.body.id, u.id);
      assert.equal((await http(t.url, 'GET', `/api/v1/users/${again.body.id as string}/badges`)).body.total, 0);
      const login = await http(t.url, 'POST', '/api/v1/auth/login', {
        body: { email: u.identity.email, password: u.identity.password },
      });
      assert.equal(login.status, 200);
    });

    it('erases extras when an admin deletes the user too', async () => {
      const u = await registerAndLogin(t.url);
      await http(t.url, 'POST', `/api/v1/users/${u.id}/badges`, { token: admin, body: { name: 'Staff pick' } });
      await http(t.url, 'POST', `/api/v1/users/${u.id}/goals`, { token: admin, body: { title: 'Assigned' } });
      assert.equal((await http(t.url, 'DELETE', `/api/v1/users/${u.id}`, { token: admin })).status, 204);
      const rows = await sql(
        t.databaseUrl,
        'SELECT id FROM badges WHERE user_id = $1 UNION ALL SELECT id FROM learning_goals WHERE user_id = $1',
        [u.id],
      );
      assert.deepEqual(rows, []);
      const write = await http(t.url, 'POST', `/api/v1/users/${u.id}/badges`, { token: admin, body: { name: 'late' } });
      assert.equal(write.status, 404, 'no extras for an erased user');
      assert.equal(write.body.error_code, 'USER_1101');
    });
  });

  describe('audit log', () => {
    it('records admin actions and security events, and lets admins filter them', async () => {
      const created = await http(t.url, 'POST', '/api/v1/users', { token: admin, body: newIdentity('aud') });
      assert.equal(created.status, 201);
      const id = created.body.id as string;
      const target = newIdentity('audt');
      const victim = await registerAndLogin(t.url, target);

      await http(t.url, 'PATCH', `/api/v1/users/${id}`, { token: admin, body: { region: 'Seoul' } });
      await http(t.url, 'PUT', `/api/v1/users/${id}/role`, { token: admin, body: { role: 'moderator' } });
      await http(t.url, 'POST', `/api/v1/users/${id}/unlock`, { token: admin });
      const sessions = await http(t.url, 'GET', '/api/v1/sessions', { token: victim.access });
      const sid = sessions.body[0].id as string;
      assert.equal((await http(t.url, 'DELETE', `/api/v1/sessions/${sid}`, { token: admin })).status, 204);
      await http(t.url, 'DELETE', `/api/v1/users/${id}`, { token: admin });

      // lockout: MAX_LOGIN_ATTEMPTS=3 wrong passwords
      for (let i = 0; i < 3; i++) {
        await http(t.url, 'POST', '/api/v1/auth/login', { body: { email: target.email, password: 'Wrong-Pass-123' } });
      }
      // password reset with a token issued as the mail would carry it
      const token = randomBytes(32).toString('base64url');
      await sql(
        t.databaseUrl,
        `INSERT INTO one_time_tokens (user_id, purpose, token_hash, expires_at) VALUES ($1, 'password_reset', $2, now() + interval '30 minutes')`,
        [victim.id, hashToken(token)],
      );
      const reset = await http(t.url, 'POST', '/api/v1/auth/password/reset', {
        body: { token, new_password: 'New-Str0ng-Pass-77' },
      });
      assert.equal(reset.status, 204);
      // refresh-token reuse
      const login = await http(t.url, 'POST', '/api/v1/auth/login', {
        body: { email: target.email, password: 'New-Str0ng-Pass-77' },
      });
      const first = login.body.refresh_token as string;
      assert.equal((await http(t.url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: first } })).status, 200);
      assert.equal((await http(t.url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: first } })).status, 401);

      const aboutCreated = await http(t.url, 'GET', `/api/v1/audit?user_id=${id}&limit=100`, { token: admin });
      assert.equal(aboutCreated.status, 200);
      assert.deepEqual((aboutCreated.body.items as { action: string }[]).map((e) => e.action).sort(), [
        'user.create',
        'user.delete',
        'user.role_change',
        'user.unlock',
        'user.update',
      ]);
      for (const entry of aboutCreated.body.items as Record<string, unknown>[]) {
        assert.deepEqual(Object.keys(entry).sort(), [
          'action',
          'actor_id',
          'created_at',
          'details',
          'id',
          'ip',
          'request_id',
          'target_user_id',
        ]);
        assert.equal(entry.actor_id, adminId);
        assert.equal(entry.target_user_id, id);
        assert.equal(typeof entry.request_id, 'string');
        assert.equal(entry.ip, '127.0.0.1');
      }
      const role = (aboutCreated.body.items as { action: string; details: unknown }[]).find(
        (e) => e.action === 'user.role_change',
      );
      assert.deepEqual(role?.details, { old_role: 'user', new_role: 'moderator' });

      const aboutVictim = await http(t.url, 'GET', `/api/v1/audit?user_id=${victim.id}`, { token: admin });
      assert.deepEqual((aboutVictim.body.items as { action: string }[]).map((e) => e.action).sort(), [
        'security.lockout',
        'security.password_reset',
        'security.refresh_reuse',
        'session.revoke',
      ]);
      const lockout = (aboutVictim.body.items as { action: string; actor_id: unknown }[]).find(
        (e) => e.action === 'security.lockout',
      );
      assert.equal(lockout?.actor_id, null, 'security events have no actor');

      const onlyRole = await http(t.url, 'GET', `/api/v1/audit?action=user.role_change&user_id=${id}`, {
        token: admin,
      });
      assert.equal(onlyRole.body.total, 1);
      const allRoles = await http(t.url, 'GET', '/api/v1/audit?action=user.role_change&limit=1', { token: admin });
      assert.ok(allRoles.body.total >= 1);
      assert.equal(allRoles.body.items.length, 1);
      assert.equal(allRoles.body.limit, 1);
      assert.equal(allRoles.body.page, 1);
    });

    it('pages newest first and validates the query', async () => {
      const u = await registerAndLogin(t.url);
      for (const region of ['a', 'b', 'c']) {
        await http(t.url, 'PATCH', `/api/v1/users/${u.id}`, { token: admin, body: { region } });
      }
      const page1 = await http(t.url, 'GET', `/api/v1/audit?user_id=${u.id}&limit=2&page=1`, { token: admin });
      const page2 = await http(t.url, 'GET', `/api/v1/audit?user_id=${u.id}&limit=2&page=2`, { token: admin });
      assert.equal(page1.body.total, 3);
      assert.equal(page1.body.items.length, 2);
      assert.equal(page2.body.items.length, 1);
      const times = [...page1.body.items, ...page2.body.items].map((e: { created_at: string }) =>
        Date.parse(e.created_at),
      );
      assert.deepEqual(
        times,
        [...times].sort((a, b) => b - a),
        'newest first',
      );
      assert.equal(new Set([...page1.body.items, ...page2.body.items].map((e: { id: string }) => e.id)).size, 3);
      for (const query of ['user_id=nope', 'action=user.hack', 'limit=101', 'page=0', 'actor=me']) {
        const res = await http(t.url, 'GET', `/api/v1/audit?${query}`, { token: admin });
        assert.equal(res.status, 400, query);
        assert.equal(res.body.error_code, 'COMMON_1000');
      }
      assert.equal((await http(t.url, 'GET', `/api/v1/audit?user_id=${randomUUID()}`, { token: admin })).body.total, 0);
    });

    it('is for admins only', async () => {
      const u = await registerAndLogin(t.url);
      const asUser = await http(t.url, 'GET', '/api/v1/audit', { token: u.access });
      assert.equal(asUser.status, 403);
      assert.equal(asUser.body.error_code, 'COMMON_1003');
      const mod = newIdentity('audmod');
      await http(t.url, 'POST', '/api/v1/users', { token: admin, body: { ...mod, role: 'moderator' } });
      const modLogin = await http(t.url, 'POST', '/api/v1/auth/login', {
        body: { email: mod.email, password: mod.password },
      });
      assert.equal(
        (await http(t.url, 'GET', '/api/v1/audit', { token: modLogin.body.access_token as string })).status,
        403,
      );
      const anonymous = await http(t.url, 'GET', '/api/v1/audit');
      assert.equal(anonymous.status, 401);
      const service = await http(t.url, 'GET', '/api/v1/audit', { headers: { 'x-service-token': SERVICE_TOKEN } });
      assert.equal(service.status, 401, 'a service token is no admin');
    });
  });

  describe('hash import', () => {
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
      const events = await sql<{ payload: Record<string, unknown> }>(
        t.databaseUrl,
        `SELECT payload FROM outbox_events WHERE event_type = 'user.created' AND aggregate_id = $1`,
        [id],
      );
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

      const tooMany = await importUsers([
        ...thousand,
        { email: 'one-more@example.com', name: 'x', password_hash: 'x' },
      ]);
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

  describe('seed 000 compatibility', () => {
    it('records legacy sign-ups as such and shows others only the public view', async () => {
      const id = newIdentity('leg');
      const created = await http(t.url, 'POST', '/users', {
        body: { username: id.username, email: id.email, password: id.password },
      });
      assert.equal(created.status, 201);
      const events = await sql<{ payload: { source: string } }>(
        t.databaseUrl,
        `SELECT payload FROM outbox_events WHERE event_type = 'user.created' AND aggregate_id = $1`,
        [created.body.id],
      );
      assert.equal(events[0]?.payload.source, 'legacy');
      const other = await registerAndLogin(t.url);
      const asOther = await http(t.url, 'GET', `/users/${id.username}`, { token: other.access });
      assert.deepEqual(Object.keys(asOther.body).sort(), ['created_at', 'id', 'name', 'username']);
      const asService = await http(t.url, 'GET', `/users/${id.username}`, {
        headers: { 'x-service-token': SERVICE_TOKEN },
      });
      assert.equal(asService.body.email, id.email);
    });
  });
});
