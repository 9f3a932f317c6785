import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { newIdentity } from '../utils/factories.js';
import { http } from '../utils/http.js';
import { freePort, spawnService } from '../utils/service-process.js';

describe('embedded mode (nothing configured)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'user-service-embedded-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves the API on the embedded database and keeps the data across a restart', async () => {
    // `npm start` with nothing configured: only DATA_DIR and the port are set.
    const env = { DATA_DIR: dataDir, PORT: String(await freePort()), LOG_LEVEL: 'warn' };
    const id = newIdentity();
    const first = await spawnService(env);
    const url = first.url;
    try {
      await first.ready();
      assert.equal((await http(url, 'POST', '/api/v1/auth/register', { body: id })).status, 201);
      const stats = await http(url, 'GET', '/stats');
      assert.equal(stats.body.events.broker, 'disabled');
      assert.ok(stats.body.events.outbox_pending >= 1, 'events stay in the outbox');
      assert.equal((await fetch(`${url}/docs`)).status, 200);
    } finally {
      first.child.kill('SIGTERM');
    }
    assert.equal(await first.exited, 0, first.output());

    const second = await spawnService(env);
    try {
      await second.ready();
      const login = await http(url, 'POST', '/api/v1/auth/login', { body: { email: id.email, password: id.password } });
      assert.equal(login.status, 200, 'the user survived the restart');
      const me = await http(url, 'GET', '/api/v1/users/me', { token: login.body.access_token });
      assert.equal(me.body.email, id.email);
      const jwks = await http(url, 'GET', '/.well-known/jwks.json');
      assert.equal(jwks.body.keys.length, 1, 'the generated key was kept under DATA_DIR');
    } finally {
      second.child.kill('SIGTERM');
    }
    assert.equal(await second.exited, 0, second.output());
  });

  it('answers concurrent requests each with its own data (several pool connections share PGlite)', async () => {
    // The per-client budgets would answer 429 to one client's eight sign-ups: this is about the database.
    const env = { DATA_DIR: dataDir, PORT: String(await freePort()), LOG_LEVEL: 'warn', RATE_LIMIT_ENABLED: 'false' };
    const run = await spawnService(env);
    try {
      await run.ready();
      const ids = Array.from({ length: 8 }, () => newIdentity());
      const registered = await Promise.all(
        ids.map((id) => http(run.url, 'POST', '/api/v1/auth/register', { body: id })),
      );
      assert.deepEqual(
        registered.map((r) => r.status),
        ids.map(() => 201),
      );
      const logins = await Promise.all(
        ids.map((id) =>
          http(run.url, 'POST', '/api/v1/auth/login', { body: { email: id.email, password: id.password } }),
        ),
      );
      assert.deepEqual(
        logins.map((r) => r.status),
        ids.map(() => 200),
      );
      for (let round = 0; round < 3; round++) {
        const reads = await Promise.all(
          logins.map((login) => http(run.url, 'GET', '/api/v1/users/me', { token: login.body.access_token })),
        );
        assert.deepEqual(
          reads.map((r) => r.body.email),
          ids.map((id) => id.email),
          'every caller reads its own row',
        );
      }
    } finally {
      run.child.kill('SIGTERM');
    }
    assert.equal(await run.exited, 0, run.output());
  });

  it('refuses to start in production without the database, Redis and keys, naming them', async () => {
    const run = await spawnService({ NODE_ENV: 'production', DATA_DIR: dataDir });
    const code = await run.exited;
    assert.equal(code, 1);
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'JWT_PRIVATE_KEY', 'DATA_ENCRYPTION_KEYS', 'COOKIE_SECRET'])
      assert.match(run.output(), new RegExp(name));
  });

  it('refuses a bad value naming the variable', async () => {
    const run = await spawnService({ DATA_DIR: dataDir, PORT: 'not-a-port' });
    assert.equal(await run.exited, 1);
    assert.match(run.output(), /PORT/);
  });
});
