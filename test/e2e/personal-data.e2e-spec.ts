import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from '../utils/app.js';
import { sql } from '../utils/database.js';
import { registerAndLogin, startWithAdmin, type AppWithAdmin } from '../utils/factories.js';
import { http } from '../utils/http.js';
import { outboxRowsOf } from '../utils/rows.js';

/** The data rights of contract §1: export of everything personal, erasure of the account. */

const ADMIN = { email: 'gdpr-admin@example.com', password: 'Admin-Passw0rd-Long' };

describe('GDPR export and erasure', () => {
  let app: AppWithAdmin;
  let t: TestApp;
  let admin: string;
  let adminId: string;
  before(async () => {
    app = await startWithAdmin(ADMIN);
    ({ t, admin, adminId } = app);
  });
  after(async () => {
    await app.close();
  });

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
    const deleted = await outboxRowsOf(t.databaseUrl, 'user.deleted', u.id);
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
