import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_COOKIE_SECRET, TEST_DATA_KEYS, TEST_EC_KEY, testPrefix } from '../utils/app.js';
import { createTestDatabase, sql } from '../utils/database.js';
import { newIdentity } from '../utils/factories.js';
import { http } from '../utils/http.js';
import { spawnService } from '../utils/service-process.js';

describe('graceful shutdown under load', () => {
  let db: { url: string; drop: () => Promise<void> };
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db.drop();
  });

  it('on SIGTERM fails no accepted request, loses no committed event, and exits 0', async () => {
    const service = await spawnService({
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url,
      REDIS_URL: process.env.TEST_REDIS_URL ?? '',
      REDIS_KEY_PREFIX: testPrefix(),
      JWT_PRIVATE_KEY: TEST_EC_KEY,
      DATA_ENCRYPTION_KEYS: TEST_DATA_KEYS,
      COOKIE_SECRET: TEST_COOKIE_SECRET,
      RATE_LIMIT_ENABLED: 'false',
      SHUTDOWN_TIMEOUT_MS: '10000',
      ...(process.env.TEST_KAFKA_BROKERS ? { KAFKA_BROKERS: process.env.TEST_KAFKA_BROKERS } : {}),
    });
    await service.ready();
    const { url, child, exited } = service;
    const output = (): string => service.output();

    const seed = newIdentity('seed');
    assert.equal((await http(url, 'POST', '/api/v1/auth/register', { body: seed })).status, 201);
    const token = (
      await http(url, 'POST', '/api/v1/auth/login', { body: { email: seed.email, password: seed.password } })
    ).body.access_token as string;

    const statuses: number[] = [];
    const created: string[] = [];
    const lostRegistrations: string[] = [];
    let networkErrors = 0;
    let stop = false;
    const worker = async (kind: number): Promise<void> => {
      while (!stop) {
        const id = newIdentity('sd');
        try {
          if (kind % 2 === 0) {
            const res = await http(url, 'POST', '/api/v1/auth/register', { body: id });
            statuses.push(res.status);
            if (res.status === 201) created.push(res.body.id as string);
          } else {
            statuses.push((await http(url, 'GET', '/api/v1/users/me', { token })).status);
          }
        } catch {
          networkErrors += 1;
          if (kind % 2 === 0) lostRegistrations.push(id.email);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, i) => worker(i));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGTERM');
    const code = await exited;
    stop = true;
    await Promise.all(workers);

    assert.equal(code, 0, output());
    assert.ok(statuses.length > 20, `load ran (${statuses.length} answers)`);
    const unexpected = statuses.filter((s) => ![200, 201, 503].includes(s));
    assert.deepEqual(unexpected, [], 'every answer is a success, or a 503 for requests arriving while closing');
    // A request whose connection failed must not have been carried out: nothing half-done.
    if (lostRegistrations.length > 0) {
      const rows = await sql(db.url, 'SELECT email FROM users WHERE email = ANY($1)', [lostRegistrations]);
      assert.deepEqual(rows, [], 'a registration whose answer was lost was not committed either');
    }
    // Every committed registration has its event, published or still in the outbox.
    const events = await sql<{ aggregate_id: string }>(
      db.url,
      `SELECT aggregate_id FROM outbox_events WHERE event_type = 'user.created'`,
    );
    const withEvent = new Set(events.map((e) => e.aggregate_id));
    assert.deepEqual(
      created.filter((id) => !withEvent.has(id)),
      [],
    );
    const users = await sql(db.url, 'SELECT id FROM users');
    assert.equal(
      users.length,
      created.length + 1,
      `no registration was committed without its answer (network errors: ${networkErrors})`,
    );
  });
});
