import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from '../utils/app.js';
import {
  createAndLogin,
  insertOneTimeToken,
  newIdentity,
  registerAndLogin,
  startWithAdmin,
  type AppWithAdmin,
} from '../utils/factories.js';
import { http } from '../utils/http.js';

/** The audit log: what is recorded about admin actions and security events, and who may read it. */

const ADMIN = { email: 'audit-admin@example.com', password: 'Admin-Passw0rd-Long' };
const SERVICE_TOKEN = 'svc-token-for-audit-tests-0123456789';

describe('audit log', () => {
  let app: AppWithAdmin;
  let t: TestApp;
  let admin: string;
  let adminId: string;
  before(async () => {
    app = await startWithAdmin(ADMIN, { env: { ALLOWED_API_TOKENS: SERVICE_TOKEN, MAX_LOGIN_ATTEMPTS: '3' } });
    ({ t, admin, adminId } = app);
  });
  after(async () => {
    await app.close();
  });

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
    const token = await insertOneTimeToken(t.databaseUrl, victim.id, 'password_reset', 30);
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
    const mod = await createAndLogin(t.url, admin, newIdentity('audmod'), 'moderator');
    assert.equal((await http(t.url, 'GET', '/api/v1/audit', { token: mod.access })).status, 403);
    const anonymous = await http(t.url, 'GET', '/api/v1/audit');
    assert.equal(anonymous.status, 401);
    const service = await http(t.url, 'GET', '/api/v1/audit', { headers: { 'x-service-token': SERVICE_TOKEN } });
    assert.equal(service.status, 401, 'a service token is no admin');
  });
});
