import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../utils/app.js';
import { newIdentity, registerAndLogin } from '../utils/factories.js';
import { http } from '../utils/http.js';
import { ThrowawayRedis } from '../utils/redis-server.js';
import { waitFor } from '../utils/wait.js';

describe('Redis outage', () => {
  let redis: ThrowawayRedis;
  let t: TestApp;
  before(async () => {
    redis = await ThrowawayRedis.start();
    t = await startTestApp({ env: { REDIS_URL: redis.url, RATE_LIMIT_ENABLED: 'true' } });
  });
  after(async () => {
    await t.close();
    await redis.down();
  });

  it('keeps serving from PostgreSQL while Redis is down, reports it, and recovers on its own', async () => {
    const u = await registerAndLogin(t.url);
    assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token: u.access })).status, 200);

    await redis.down();
    // Reads, writes, logins, refreshes and revocations all keep working: no 5xx.
    for (let i = 0; i < 3; i++) {
      const me = await http(t.url, 'GET', '/api/v1/users/me', { token: u.access });
      assert.equal(me.status, 200, JSON.stringify(me.body));
    }
    const patch = await http(t.url, 'PATCH', '/api/v1/users/me', { token: u.access, body: { region: 'Offline' } });
    assert.equal(patch.status, 200);
    assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token: u.access })).body.region, 'Offline');
    const other = await registerAndLogin(t.url, newIdentity());
    const openedDuringOutage = await registerAndLogin(t.url, newIdentity());
    const refreshed = await http(t.url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: other.refresh } });
    assert.equal(refreshed.status, 200);
    assert.equal(
      (await http(t.url, 'POST', '/api/v1/auth/logout', { token: refreshed.body.access_token })).status,
      204,
    );
    assert.equal(
      (await http(t.url, 'GET', '/api/v1/users/me', { token: refreshed.body.access_token })).status,
      401,
      'revocation holds without Redis',
    );

    const stats = await http(t.url, 'GET', '/stats');
    assert.equal(stats.body.cache, 'unhealthy');
    assert.equal(stats.body.database, 'healthy');
    const ready = await http(t.url, 'GET', '/health/readiness');
    assert.equal(ready.status, 200, 'a cache outage is reported, not fatal');
    assert.equal(ready.body.details.cache.status, 'degraded');

    await redis.up();
    await waitFor(
      'the cache to recover',
      async () => (await http(t.url, 'GET', '/stats')).body.cache === 'healthy',
      15_000,
    );
    assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token: u.access })).status, 200);
    // A session opened while Redis was down is alive after it returns (the key is rebuilt from PostgreSQL).
    assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token: openedDuringOutage.access })).status, 200);
    // Redis came back empty: a session revoked during the outage stays revoked.
    assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token: refreshed.body.access_token })).status, 401);
  });
});
