import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, testPrefix, type TestApp } from '../utils/app.js';
import { sql } from '../utils/database.js';
import { newIdentity, registerAndLogin } from '../utils/factories.js';
import { http } from '../utils/http.js';
import { consumeTopic } from '../utils/kafka.js';

/** Three instances on one PostgreSQL, Redis and Kafka behave as one service. */
describe('three instances as one', () => {
  const apps: TestApp[] = [];
  let a: TestApp;
  let b: TestApp;
  let c: TestApp;
  const topic = `user-events-three-${Date.now()}`;
  before(async () => {
    const env: Record<string, string> = {
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_LOGIN_PER_MINUTE: '1000',
      RATE_LIMIT_REGISTER_PER_HOUR: '1000',
      RATE_LIMIT_PER_MINUTE: '100000',
      MAX_LOGIN_ATTEMPTS: '5',
      KAFKA_TOPIC_USER_EVENTS: topic,
      ...(process.env.TEST_KAFKA_BROKERS ? { KAFKA_BROKERS: process.env.TEST_KAFKA_BROKERS } : {}),
    };
    const prefix = testPrefix();
    a = await startTestApp({ env, redisPrefix: prefix });
    apps.push(a);
    b = await startTestApp({ env, redisPrefix: prefix, databaseUrl: a.databaseUrl });
    apps.push(b);
    c = await startTestApp({ env, redisPrefix: prefix, databaseUrl: a.databaseUrl });
    apps.push(c);
  });
  after(async () => {
    for (const app of apps.reverse()) await app.close();
  });

  it('refuses on B and C a token logged out on A, at once', async () => {
    const u = await registerAndLogin(a.url);
    for (const app of [b, c])
      assert.equal((await http(app.url, 'GET', '/api/v1/users/me', { token: u.access })).status, 200);
    assert.equal((await http(a.url, 'POST', '/api/v1/auth/logout', { token: u.access })).status, 204);
    for (const app of [b, c]) {
      const res = await http(app.url, 'GET', '/api/v1/users/me', { token: u.access });
      assert.equal(res.status, 401);
      assert.equal(res.body.error_code, 'USER_1006');
    }
  });

  it('counts failed logins across all three', async () => {
    const u = await registerAndLogin(a.url);
    const bad = { email: u.identity.email, password: 'Wrong-Pass-123' };
    for (const app of [a, b, c, a, b])
      assert.equal((await http(app.url, 'POST', '/api/v1/auth/login', { body: bad })).status, 401);
    const locked = await http(c.url, 'POST', '/api/v1/auth/login', {
      body: { email: u.identity.email, password: u.identity.password },
    });
    assert.equal(locked.status, 423);
  });

  it('shares rate limits', async () => {
    const env = { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_REGISTER_PER_HOUR: '4' };
    const prefix = testPrefix();
    const trio = [
      await startTestApp({ env, redisPrefix: prefix, databaseUrl: a.databaseUrl }),
      await startTestApp({ env, redisPrefix: prefix, databaseUrl: a.databaseUrl }),
      await startTestApp({ env, redisPrefix: prefix, databaseUrl: a.databaseUrl }),
    ];
    try {
      const statuses = [];
      for (let i = 0; i < 6; i++)
        statuses.push((await http(trio[i % 3].url, 'POST', '/api/v1/auth/register', { body: newIdentity() })).status);
      assert.deepEqual(statuses, [201, 201, 201, 201, 429, 429]);
    } finally {
      for (const app of trio) await app.running.close();
    }
  });

  it('reads a profile written on A fresh on C', async () => {
    const u = await registerAndLogin(a.url);
    assert.equal((await http(c.url, 'GET', '/api/v1/users/me', { token: u.access })).body.name, u.identity.name);
    for (let i = 0; i < 5; i++) {
      await http(a.url, 'PATCH', '/api/v1/users/me', { token: u.access, body: { name: `Name ${i}` } });
      assert.equal((await http(c.url, 'GET', '/api/v1/users/me', { token: u.access })).body.name, `Name ${i}`);
      assert.equal((await http(b.url, 'GET', `/api/v1/users/${u.id}`, { token: u.access })).body.name, `Name ${i}`);
    }
  });

  it(
    'publishes every outbox event, none lost',
    { skip: process.env.TEST_KAFKA_BROKERS === undefined ? 'no Kafka' : false },
    async () => {
      const consumer = await consumeTopic(process.env.TEST_KAFKA_BROKERS as string, topic);
      try {
        await Promise.all([a, b, c].map((app) => registerAndLogin(app.url)));
        const deadline = Date.now() + 60_000;
        for (;;) {
          const rows = await sql<{ event_id: string; published: boolean }>(
            a.databaseUrl,
            'SELECT event_id, published_at IS NOT NULL AS published FROM outbox_events',
          );
          const seen = new Set(consumer.received.map((m) => m.value.event_id as string));
          const missing = rows.filter((r) => !seen.has(r.event_id));
          if (rows.length > 0 && missing.length === 0 && rows.every((r) => r.published)) break;
          assert.ok(Date.now() < deadline, `${missing.length} of ${rows.length} events not in Kafka`);
          await new Promise((r) => setTimeout(r, 250));
        }
      } finally {
        await consumer.stop();
      }
    },
  );
});
