import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../utils/app.js';
import { sql } from '../utils/database.js';
import { newIdentity, registerAndLogin } from '../utils/factories.js';
import { http } from '../utils/http.js';
import { auditRowsOf, outboxRowsOf } from '../utils/rows.js';

const ADMIN = { email: 'root-admin@example.com', password: 'Admin-Passw0rd-Long' };

describe('admin routes and roles', () => {
  let t: TestApp;
  let admin: string;
  before(async () => {
    t = await startTestApp({ env: { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password } });
    const login = await http(t.url, 'POST', '/api/v1/auth/login', { body: ADMIN });
    assert.equal(login.status, 200, 'the admin of ADMIN_EMAIL exists at start');
    admin = login.body.access_token as string;
  });
  after(async () => {
    await t.close();
  });

  it('bootstraps one admin only, even when another instance starts on the same database', async () => {
    const second = await startTestApp({
      databaseUrl: t.databaseUrl,
      env: { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password },
    });
    await second.running.close();
    const rows = await sql(t.databaseUrl, `SELECT id FROM users WHERE role = 'admin'`);
    assert.equal(rows.length, 1);
  });

  it('creates users with a role, lists them with paging and filters', async () => {
    const created: { id: string; email: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const id = newIdentity('listme');
      const res = await http(t.url, 'POST', '/api/v1/users', {
        token: admin,
        body: { ...id, role: 'moderator', is_verified: true },
      });
      assert.equal(res.status, 201);
      assert.equal(res.body.role, 'moderator');
      assert.equal(res.body.is_verified, true);
      created.push(res.body);
    }
    const page = await http(t.url, 'GET', '/api/v1/users?role=moderator&limit=2&page=1', { token: admin });
    assert.equal(page.status, 200);
    assert.equal(page.body.limit, 2);
    assert.equal(page.body.page, 1);
    assert.ok(page.body.total >= 3);
    assert.equal(page.body.items.length, 2);
    const page2 = await http(t.url, 'GET', '/api/v1/users?role=moderator&limit=2&page=2', { token: admin });
    const ids = new Set([...page.body.items, ...page2.body.items].map((u: { id: string }) => u.id));
    assert.equal(ids.size, page.body.items.length + page2.body.items.length, 'pages do not overlap');
    const q = await http(t.url, 'GET', `/api/v1/users?q=${encodeURIComponent(created[0].email.slice(0, 12))}`, {
      token: admin,
    });
    assert.ok(q.body.items.some((u: { id: string }) => u.id === created[0].id));
    const like = await http(t.url, 'GET', `/api/v1/users?q=${encodeURIComponent('%')}`, { token: admin });
    assert.equal(like.status, 200);
    assert.equal(like.body.total, 0, '% is matched literally');
    assert.equal((await http(t.url, 'GET', '/api/v1/users?limit=101', { token: admin })).status, 400);
    assert.equal((await http(t.url, 'GET', '/api/v1/users?page=0', { token: admin })).status, 400);
    assert.equal((await http(t.url, 'GET', '/api/v1/users?is_active=maybe', { token: admin })).status, 400);
    const inactive = await http(t.url, 'GET', '/api/v1/users?is_active=false', { token: admin });
    assert.equal(inactive.status, 200);
    const mod = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: created[0].email, password: `Str0ng-Pass-${created[0].email.split('@')[0]}` },
    });
    assert.equal(mod.status, 200);
    assert.equal(
      (await http(t.url, 'GET', '/api/v1/users', { token: mod.body.access_token })).status,
      200,
      'moderators list users',
    );
    assert.equal(
      (await http(t.url, 'POST', '/api/v1/users', { token: mod.body.access_token, body: newIdentity() })).status,
      403,
      'but cannot create',
    );
  });

  it('applies a role change on the next request', async () => {
    const u = await registerAndLogin(t.url);
    assert.equal((await http(t.url, 'GET', '/api/v1/users', { token: u.access })).status, 403);
    const res = await http(t.url, 'PUT', `/api/v1/users/${u.id}/role`, { token: admin, body: { role: 'admin' } });
    assert.equal(res.status, 200);
    assert.equal(res.body.role, 'admin');
    assert.equal((await http(t.url, 'GET', '/api/v1/users', { token: u.access })).status, 200, 'same token, new role');
    await http(t.url, 'PUT', `/api/v1/users/${u.id}/role`, { token: admin, body: { role: 'user' } });
    assert.equal((await http(t.url, 'GET', '/api/v1/users', { token: u.access })).status, 403);
    assert.equal(
      (await http(t.url, 'PUT', `/api/v1/users/${u.id}/role`, { token: admin, body: { role: 'root' } })).status,
      400,
    );
    const events = await outboxRowsOf(t.databaseUrl, 'user.role_changed', u.id);
    assert.equal(events.length, 2);
    const audit = await auditRowsOf(t.databaseUrl, 'user.role_change', u.id);
    assert.equal(audit.length, 2);
  });

  it('deactivation ends every session and refuses login with 403 USER_1002', async () => {
    const u = await registerAndLogin(t.url);
    const res = await http(t.url, 'PATCH', `/api/v1/users/${u.id}`, {
      token: admin,
      body: { is_active: false, region: 'Busan' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.is_active, false);
    assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token: u.access })).status, 401);
    const login = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: u.identity.email, password: u.identity.password },
    });
    assert.equal(login.status, 403);
    assert.equal(login.body.error_code, 'USER_1002');
    const wrong = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: u.identity.email, password: 'Not-The-Pass-1' },
    });
    assert.equal(wrong.body.error_code, 'USER_1001', 'disabled is only told to whoever knows the password');
    const events = await outboxRowsOf<{ updated_fields: string[] }>(t.databaseUrl, 'user.updated', u.id);
    assert.deepEqual(events[0]?.payload.updated_fields.sort(), ['is_active', 'region']);
  });

  it('erases a user: anonymised, sessions end, the email can register again', async () => {
    const u = await registerAndLogin(t.url);
    assert.equal((await http(t.url, 'DELETE', `/api/v1/users/${u.id}`, { token: admin })).status, 204);
    assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token: u.access })).status, 401);
    const rows = await sql<{
      email: string;
      name: string;
      username: string | null;
      is_active: boolean;
      deleted_at: Date | null;
    }>(t.databaseUrl, 'SELECT email, name, username, is_active, deleted_at FROM users WHERE id = $1', [u.id]);
    assert.notEqual(rows[0]?.email, u.identity.email);
    assert.equal(rows[0]?.username, null);
    assert.equal(rows[0]?.is_active, false);
    assert.ok(rows[0]?.deleted_at);
    assert.equal((await http(t.url, 'GET', `/api/v1/users/${u.id}`, { token: admin })).status, 404);
    assert.equal((await http(t.url, 'DELETE', `/api/v1/users/${u.id}`, { token: admin })).status, 404);
    const again = await http(t.url, 'POST', '/api/v1/auth/register', { body: u.identity });
    assert.equal(again.status, 201);
    assert.notEqual(again.body.id, u.id);
    const deleted = await outboxRowsOf(t.databaseUrl, 'user.deleted', u.id);
    assert.equal(deleted.length, 1);
  });

  it('lets a user erase themselves with their password and export their data first', async () => {
    const u = await registerAndLogin(t.url);
    const exported = await http(t.url, 'GET', '/api/v1/users/me/export', { token: u.access });
    assert.equal(exported.status, 200);
    assert.equal(exported.body.profile.id, u.id);
    assert.ok(exported.body.sessions.length >= 1);
    assert.ok(exported.body.login_history.length >= 1);
    assert.doesNotMatch(JSON.stringify(exported.body), /argon2|refresh_token_hash/);
    const wrong = await http(t.url, 'DELETE', '/api/v1/users/me', {
      token: u.access,
      body: { password: 'Wrong-Pass-123' },
    });
    assert.equal(wrong.status, 401);
    assert.equal(
      (await http(t.url, 'DELETE', '/api/v1/users/me', { token: u.access, body: { password: u.identity.password } }))
        .status,
      204,
    );
    assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token: u.access })).status, 401);
  });

  it('never removes the last active admin', async () => {
    const me = await http(t.url, 'GET', '/api/v1/users/me', { token: admin });
    const rootId = me.body.id as string;
    for (const [method, path, body] of [
      ['PUT', `/api/v1/users/${rootId}/role`, { role: 'user' }],
      ['PATCH', `/api/v1/users/${rootId}`, { is_active: false }],
      ['DELETE', `/api/v1/users/${rootId}`, undefined],
    ] as const) {
      const res = await http(t.url, method, path, { token: admin, body });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(res.body.error_code, 'COMMON_1003');
    }
    // With a second admin, the first may step down.
    const other = await registerAndLogin(t.url);
    assert.equal(
      (await http(t.url, 'PUT', `/api/v1/users/${other.id}/role`, { token: admin, body: { role: 'admin' } })).status,
      200,
    );
    assert.equal(
      (await http(t.url, 'PUT', `/api/v1/users/${rootId}/role`, { token: other.access, body: { role: 'moderator' } }))
        .status,
      200,
    );
    assert.equal(
      (await http(t.url, 'PUT', `/api/v1/users/${rootId}/role`, { token: other.access, body: { role: 'admin' } }))
        .status,
      200,
    );
    assert.equal((await http(t.url, 'DELETE', `/api/v1/users/${other.id}`, { token: admin })).status, 204);
  });

  it('refuses admin routes to users (403) and to anonymous callers (401)', async () => {
    const u = await registerAndLogin(t.url);
    const target = `/api/v1/users/${u.id}`;
    for (const [method, path, body] of [
      ['POST', '/api/v1/users', newIdentity()],
      ['PATCH', target, { name: 'x' }],
      ['PUT', `${target}/role`, { role: 'admin' }],
      ['DELETE', target, undefined],
      ['POST', `${target}/unlock`, undefined],
    ] as const) {
      const asUser = await http(t.url, method, path, { token: u.access, body });
      assert.equal(asUser.status, 403, `${method} ${path}`);
      assert.equal(asUser.body.error_code, 'COMMON_1003');
      const anonymous = await http(t.url, method, path, { body });
      assert.equal(anonymous.status, 401, `${method} ${path}`);
      assert.equal(anonymous.body.error_code, 'COMMON_1001');
    }
  });
});
