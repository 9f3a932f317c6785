import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, testPrefix, type TestApp } from '../utils/app.js';
import { registerAndLogin } from '../utils/factories.js';
import { http } from '../utils/http.js';

describe('two instances on one PostgreSQL and Redis', () => {
  let a: TestApp;
  let b: TestApp;
  before(async () => {
    const env = {
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_LOGIN_PER_MINUTE: '1000',
      RATE_LIMIT_PER_MINUTE: '10000',
      RATE_LIMIT_REGISTER_PER_HOUR: '1000',
      MAX_LOGIN_ATTEMPTS: '4',
    };
    const prefix = testPrefix();
    a = await startTestApp({ env, redisPrefix: prefix });
    b = await startTestApp({ env, redisPrefix: prefix, databaseUrl: a.databaseUrl });
  });
  after(async () => {
    await b.close();
    await a.close();
  });

  it('refuses on B a token logged out on A, on the very next request', async () => {
    const u = await registerAndLogin(a.url);
    // B has seen (and cached) the session as alive.
    assert.equal((await http(b.url, 'GET', '/api/v1/users/me', { token: u.access })).status, 200);
    assert.equal((await http(a.url, 'POST', '/api/v1/auth/logout', { token: u.access })).status, 204);
    const onB = await http(b.url, 'GET', '/api/v1/users/me', { token: u.access });
    assert.equal(onB.status, 401);
    assert.equal(onB.body.error_code, 'USER_1006');
  });

  it('reads a profile written on A fresh on B', async () => {
    const u = await registerAndLogin(a.url);
    assert.equal((await http(b.url, 'GET', '/api/v1/users/me', { token: u.access })).body.region, null);
    await http(a.url, 'PATCH', '/api/v1/users/me', { token: u.access, body: { region: 'Jeju' } });
    assert.equal((await http(b.url, 'GET', '/api/v1/users/me', { token: u.access })).body.region, 'Jeju');
  });

  it('counts failed logins across both instances', async () => {
    const u = await registerAndLogin(a.url);
    const bad = { email: u.identity.email, password: 'Wrong-Pass-123' };
    assert.equal((await http(a.url, 'POST', '/api/v1/auth/login', { body: bad })).status, 401);
    assert.equal((await http(b.url, 'POST', '/api/v1/auth/login', { body: bad })).status, 401);
    assert.equal((await http(a.url, 'POST', '/api/v1/auth/login', { body: bad })).status, 401);
    assert.equal((await http(b.url, 'POST', '/api/v1/auth/login', { body: bad })).status, 401);
    const locked = await http(a.url, 'POST', '/api/v1/auth/login', {
      body: { email: u.identity.email, password: u.identity.password },
    });
    assert.equal(locked.status, 423);
  });

  it('shares rate limits: the budget spent on A is gone on B', async () => {
    const env = { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_LOGIN_PER_MINUTE: '3' };
    const prefix = testPrefix();
    const c = await startTestApp({ env, redisPrefix: prefix, databaseUrl: a.databaseUrl });
    const d = await startTestApp({ env, redisPrefix: prefix, databaseUrl: a.databaseUrl });
    try {
      const body = { email: 'rate@example.com', password: 'Wrong-Pass-123' };
      const statuses = [
        (await http(c.url, 'POST', '/api/v1/auth/login', { body })).status,
        (await http(d.url, 'POST', '/api/v1/auth/login', { body })).status,
        (await http(c.url, 'POST', '/api/v1/auth/login', { body })).status,
        (await http(d.url, 'POST', '/api/v1/auth/login', { body })).status,
      ];
      assert.deepEqual(
        statuses.slice(0, 3).every((s) => s === 401 || s === 423),
        true,
        statuses.join(),
      );
      assert.equal(statuses[3], 429);
    } finally {
      await d.close();
      await c.close();
    }
  });

  it('applies a role change made on A to the next request on B', async () => {
    const admin = await registerAndLogin(a.url);
    const { sql } = await import('../utils/database.js');
    await sql(a.databaseUrl, `UPDATE users SET role = 'admin' WHERE id = $1`, [admin.id]);
    // Direct SQL bypasses the cache on purpose: log in again so both pods load the admin fresh.
    const adminLogin = await http(a.url, 'POST', '/api/v1/auth/login', {
      body: { email: admin.identity.email, password: admin.identity.password },
    });
    const adminToken = adminLogin.body.access_token as string;
    const u = await registerAndLogin(a.url);
    assert.equal((await http(b.url, 'GET', '/api/v1/users', { token: u.access })).status, 403);
    assert.equal(
      (await http(a.url, 'PUT', `/api/v1/users/${u.id}/role`, { token: adminToken, body: { role: 'moderator' } }))
        .status,
      200,
    );
    assert.equal((await http(b.url, 'GET', '/api/v1/users', { token: u.access })).status, 200);
  });
});
