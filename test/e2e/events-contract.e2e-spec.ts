import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { AUTOCOMMIT } from '#src/database/transaction.js';
import { OutboxRepository } from '#src/modules/events/outbox.repository.js';
import { USER_EVENT_TYPES } from '#src/modules/events/user-events.js';
import { consumeTopic, type ReceivedMessage } from '../utils/kafka.js';
import { waitFor } from '../utils/wait.js';
import { startTestApp, type TestApp } from '../utils/app.js';
import { createTestDatabase, sql } from '../utils/database.js';
import { ajv, schema, validate, validatePublished } from '../utils/event-schema.js';
import { freshCode } from '../utils/totp.js';
import { insertOneTimeToken, newIdentity, registerAndLogin } from '../utils/factories.js';
import { http } from '../utils/http.js';

/**
 * The consumer contract of contract §3 against the real broker of run.sh: every event type,
 * produced through HTTP, read back with a plain kafkajs consumer and validated against
 * docs/events/user-events.schema.json.
 */

const BROKERS = process.env.TEST_KAFKA_BROKERS;
const SKIP = BROKERS === undefined ? 'TEST_KAFKA_BROKERS is not set (run through npm test)' : false;

type Received = ReceivedMessage;
const consume = consumeTopic;

interface OutboxRow {
  id: string;
  event_id: string;
  event_type: string;
  aggregate_id: string;
  published_at: Date | null;
  attempts: number;
}

const outboxRows = (url: string): Promise<OutboxRow[]> =>
  sql<OutboxRow>(
    url,
    'SELECT id::text AS id, event_id, event_type, aggregate_id, published_at, attempts FROM outbox_events ORDER BY outbox_events.id',
  );

/** Per key, the outbox ids in the order first received: must be exactly the outbox order of that user. */
function assertPerUserOrder(received: Received[], rows: OutboxRow[]): void {
  const idOf = new Map(rows.map((r) => [r.event_id, BigInt(r.id)]));
  const seen = new Set<string>();
  const byKey = new Map<string, bigint[]>();
  for (const m of received) {
    const eventId = m.value.event_id as string;
    if (seen.has(eventId)) continue;
    seen.add(eventId);
    const list = byKey.get(m.key as string) ?? [];
    list.push(idOf.get(eventId) as bigint);
    byKey.set(m.key as string, list);
  }
  for (const [key, ids] of byKey) {
    const expected = rows.filter((r) => r.aggregate_id === key).map((r) => BigInt(r.id));
    assert.deepEqual(ids, expected, `events of ${key} arrive in commit order`);
  }
}

const SECRET_KEY = /pass|hash|secret|token|otp|salt/i;

function assertNoSecrets(value: unknown, secrets: string[], path = 'data'): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertNoSecrets(v, secrets, `${path}[${i}]`));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      assert.doesNotMatch(k, SECRET_KEY, `${path}.${k} looks like a secret`);
      assertNoSecrets(v, secrets, `${path}.${k}`);
    }
  } else if (typeof value === 'string') {
    assert.doesNotMatch(value, /\$argon2|\$2[aby]\$|pbkdf2|^eyJ/, `${path} carries a hash or a JWT`);
    for (const s of secrets) assert.ok(!value.includes(s), `${path} carries a secret`);
  }
}

describe('the published schema', () => {
  it('covers exactly the event types of user-events.ts, each with its data definition', () => {
    const s = schema as { $defs: Record<string, unknown> & { event_type: { enum: string[] } } };
    assert.deepEqual([...s.$defs.event_type.enum].sort(), [...USER_EVENT_TYPES].sort());
    for (const type of USER_EVENT_TYPES) assert.ok(s.$defs[type] !== undefined, `$defs has ${type}`);
  });

  it('accepts any 1.x event with additive fields and refuses a 2.0.0 one; the producer check stays exact', () => {
    const event = {
      event_id: '6f1c2b1e-8d0a-4a57-9a43-5a3c0d1b2e4f',
      event_type: 'user.updated',
      version: '1.2.0',
      occurred_at: '2026-01-02T03:04:05.678Z',
      producer: 'user-service',
      data: { user_id: '0d6e5c1a-1f7b-4c59-9a0e-3f0e2b7d9c11', updated_fields: ['name'], actor_id: null },
    };
    assert.ok(validatePublished(event), ajv.errorsText(validatePublished.errors));
    assert.ok(validate(event), ajv.errorsText(validate.errors));

    const minor = {
      ...event,
      version: '1.3.0',
      trace_id: 'abc',
      data: { ...event.data, updated_by: 'console' },
    };
    assert.ok(validatePublished(minor), `a 1.3.0 event with extra fields: ${ajv.errorsText(validatePublished.errors)}`);
    const newType = {
      ...event,
      version: '1.4.0',
      event_type: 'user.passkey_added',
      data: { user_id: event.data.user_id },
    };
    assert.ok(
      validatePublished(newType),
      `a 1.4.0 event of a type this schema does not know: ${ajv.errorsText(validatePublished.errors)}`,
    );
    assert.ok(validatePublished({ ...event, version: '1.10.3' }));

    for (const version of ['2.0.0', '0.9.0', '1.0', '1', '10.0.0', '1.0.0-rc.1', '01.0.0', ' 1.0.0']) {
      assert.equal(validatePublished({ ...event, version }), false, `version ${version} is refused`);
    }
    // A 1.x event still has to carry what 1.0.0 and 1.1.0 promised: the known types keep their data.
    assert.equal(validatePublished({ ...minor, data: { user_id: event.data.user_id } }), false, 'required fields stay');

    // The producer's own tests still fail on a field or a version this service did not mean to add.
    assert.equal(validate(minor), false, 'the producer check refuses 1.3.0 and extra fields');
    assert.equal(validate({ ...event, data: { ...event.data, extra: 1 } }), false, 'and an extra data field');
    assert.equal(validate(newType), false, 'and an unknown type');
  });
});

describe('user events on Kafka: the consumer contract', { skip: SKIP }, () => {
  const brokers = BROKERS as string;
  const topic = `user-events-contract-${randomBytes(4).toString('hex')}`;
  const admin = {
    email: `admin-${randomBytes(4).toString('hex')}@example.com`,
    password: `Adm1n-${randomBytes(8).toString('hex')}!`,
  };
  let t: TestApp;
  let consumer: Awaited<ReturnType<typeof consume>>;

  before(async () => {
    t = await startTestApp({
      env: {
        KAFKA_BROKERS: brokers,
        KAFKA_TOPIC_USER_EVENTS: topic,
        OUTBOX_POLL_INTERVAL_MS: '50',
        ADMIN_EMAIL: admin.email,
        ADMIN_PASSWORD: admin.password,
        MAX_LOGIN_ATTEMPTS: '3',
      },
    });
    // The relay creates the topic when it connects; subscribe after that so the consumer's
    // metadata request cannot auto-create it with the broker's defaults first.
    await waitFor(
      'the relay to reach the broker',
      async () => (await http(t.url, 'GET', '/stats')).body.events.broker === 'healthy',
    );
    consumer = await consume(brokers, topic);
  });

  after(async () => {
    await consumer?.stop();
    await t?.close();
  });

  it('creates the topic with 6 partitions and reports the broker healthy', async () => {
    const kafka = new Kafka({ clientId: 'events-contract-admin', brokers: [brokers], logLevel: logLevel.NOTHING });
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    try {
      const metadata = await kafkaAdmin.fetchTopicMetadata({ topics: [topic] });
      assert.equal(metadata.topics[0]?.partitions.length, 6);
    } finally {
      await kafkaAdmin.disconnect();
    }
    const ready = await http(t.url, 'GET', '/health/readiness');
    assert.equal(ready.status, 200);
    assert.equal(ready.body.details.events.status, 'up');
    assert.equal(ready.body.details.events.broker, 'healthy');
  });

  it('publishes every event type, schema-valid, keyed by user, with headers, in per-user order and without secrets', async () => {
    const secrets: string[] = [admin.password];
    const adminLogin = await http(t.url, 'POST', '/api/v1/auth/login', { body: admin });
    assert.equal(adminLogin.status, 200);
    const adminToken = adminLogin.body.access_token as string;
    secrets.push(adminToken, adminLogin.body.refresh_token);

    const a = await registerAndLogin(t.url);
    secrets.push(a.identity.password, a.access, a.refresh);
    const second = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: a.identity.email, password: a.identity.password },
    });
    assert.equal(second.status, 200);
    secrets.push(second.body.access_token, second.body.refresh_token);

    assert.equal(
      (await http(t.url, 'PATCH', '/api/v1/users/me', { token: a.access, body: { name: 'Renamed', region: 'EU' } }))
        .status,
      200,
    );
    assert.equal(
      (await http(t.url, 'PUT', `/api/v1/users/${a.id}/role`, { token: adminToken, body: { role: 'moderator' } }))
        .status,
      200,
    );
    const verifyToken = await insertOneTimeToken(t.databaseUrl, a.id, 'email_verification');
    secrets.push(verifyToken);
    assert.equal(
      (await http(t.url, 'POST', '/api/v1/auth/email/verify', { body: { token: verifyToken } })).status,
      204,
    );

    const newPassword = `N3w-${randomBytes(8).toString('hex')}!`;
    secrets.push(newPassword);
    const change = await http(t.url, 'POST', '/api/v1/auth/password/change', {
      token: second.body.access_token,
      body: { current_password: a.identity.password, new_password: newPassword },
    });
    assert.equal(change.status, 204);
    assert.equal((await http(t.url, 'POST', '/api/v1/auth/logout', { token: second.body.access_token })).status, 204);

    for (let i = 0; i < 3; i++) {
      const bad = await http(t.url, 'POST', '/api/v1/auth/login', {
        body: { email: a.identity.email, password: `Wrong-${i}-Passw0rd!` },
      });
      assert.equal(bad.status, 401);
    }
    const resetToken = await insertOneTimeToken(t.databaseUrl, a.id, 'password_reset');
    const resetPassword = `R3set-${randomBytes(8).toString('hex')}!`;
    secrets.push(resetToken, resetPassword);
    assert.equal(
      (
        await http(t.url, 'POST', '/api/v1/auth/password/reset', {
          body: { token: resetToken, new_password: resetPassword },
        })
      ).status,
      204,
    );
    const last = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: a.identity.email, password: resetPassword },
    });
    assert.equal(last.status, 200);
    secrets.push(last.body.access_token, last.body.refresh_token);
    assert.equal(
      (
        await http(t.url, 'DELETE', '/api/v1/users/me', {
          token: last.body.access_token,
          body: { password: resetPassword },
        })
      ).status,
      204,
    );

    const b = await registerAndLogin(t.url);
    secrets.push(b.identity.password, b.access, b.refresh);
    // A second factor on and off: user.mfa_enabled, user.mfa_disabled (never the secret or a code).
    const setup = await http(t.url, 'POST', '/api/v1/auth/mfa/totp/setup', { token: b.access });
    assert.equal(setup.status, 200);
    const confirmCode = freshCode(setup.body.secret);
    const confirm = await http(t.url, 'POST', '/api/v1/auth/mfa/totp/confirm', {
      token: b.access,
      body: { code: confirmCode },
    });
    assert.equal(confirm.status, 200);
    const disableCode = freshCode(setup.body.secret);
    secrets.push(setup.body.secret, confirmCode, disableCode, ...(confirm.body.recovery_codes as string[]));
    const disable = await http(t.url, 'DELETE', '/api/v1/auth/mfa/totp', {
      token: b.access,
      body: { password: b.identity.password, code: disableCode },
    });
    assert.equal(disable.status, 204);
    assert.equal((await http(t.url, 'POST', '/api/v1/auth/logout-all', { token: b.access })).status, 204);

    // Everything committed so far must arrive.
    const rows = await outboxRows(t.databaseUrl);
    const expected = new Set(rows.map((r) => r.event_id));
    await waitFor(`${expected.size} events on the topic`, () => {
      const got = new Set(consumer.received.map((m) => m.value?.event_id));
      return [...expected].every((id) => got.has(id));
    });
    const received = consumer.received.filter((m) => expected.has(m.value.event_id));

    assert.deepEqual(
      [...new Set(received.map((m) => m.value.event_type))].sort(),
      [...USER_EVENT_TYPES].sort(),
      'every event type of contract §3 was produced',
    );
    const rowByEventId = new Map(rows.map((r) => [r.event_id, r]));
    for (const m of received) {
      const ok = validate(m.value);
      assert.ok(ok, `${m.value.event_type} matches the schema: ${ajv.errorsText(validate.errors)}`);
      const row = rowByEventId.get(m.value.event_id) as OutboxRow;
      assert.equal(m.key, row.aggregate_id, 'key = user id');
      assert.equal(m.value.data.user_id, m.key, 'data.user_id = key');
      assert.equal(m.value.event_type, row.event_type);
      assert.deepEqual(m.headers, { event_type: m.value.event_type, version: '1.2.0', event_id: m.value.event_id });
      assertNoSecrets(m.value, secrets);
    }
    assertPerUserOrder(received, rows);

    const ofA = received.filter((m) => m.key === a.id).map((m) => m.value.event_type);
    assert.deepEqual(ofA, [
      'user.created',
      'user.logged_in',
      'user.logged_in',
      'user.updated',
      'user.role_changed',
      'user.email_verified',
      'user.logged_out',
      'user.password_changed',
      'user.logged_out',
      'user.locked',
      'user.password_changed',
      'user.logged_in',
      'user.logged_out',
      'user.deleted',
    ]);
    const updated = received.find((m) => m.key === a.id && m.value.event_type === 'user.updated');
    assert.deepEqual([...(updated?.value.data.updated_fields ?? [])].sort(), ['name', 'region']);
    const created = received.find((m) => m.key === a.id && m.value.event_type === 'user.created');
    assert.equal(
      created?.value.data.email,
      a.identity.email,
      'emails and names are in the events downstream services need',
    );

    await waitFor(
      'the outbox to drain',
      async () => (await http(t.url, 'GET', '/stats')).body.events.outbox_pending === 0,
    );
    const published = await outboxRows(t.databaseUrl);
    assert.ok(
      published.filter((r) => expected.has(r.event_id)).every((r) => r.published_at !== null && r.attempts >= 1),
    );
  });

  it('leaves no event for a failed transaction and one for each committed change', async () => {
    const id = newIdentity();
    const first = await http(t.url, 'POST', '/api/v1/auth/register', { body: id });
    assert.equal(first.status, 201);
    const dup = await http(t.url, 'POST', '/api/v1/auth/register', { body: { ...id, username: undefined } });
    assert.equal(dup.status, 409);
    const login = await http(t.url, 'POST', '/api/v1/auth/login', { body: { email: id.email, password: id.password } });
    const wrong = await http(t.url, 'POST', '/api/v1/auth/password/change', {
      token: login.body.access_token,
      body: { current_password: 'Not-The-Passw0rd!', new_password: 'An0ther-Passw0rd!' },
    });
    assert.equal(wrong.status, 401);
    const other = await registerAndLogin(t.url);
    const taken = await http(t.url, 'PATCH', '/api/v1/users/me', {
      token: login.body.access_token,
      body: { username: other.identity.username },
    });
    assert.equal(taken.status, 409);

    const rows = (await outboxRows(t.databaseUrl)).filter((r) => r.aggregate_id === first.body.id);
    assert.deepEqual(
      rows.map((r) => r.event_type),
      ['user.created', 'user.logged_in'],
      'only the committed changes have events',
    );

    await waitFor(
      'the outbox to drain',
      async () => (await http(t.url, 'GET', '/stats')).body.events.outbox_pending === 0,
    );
    const expected = new Set(rows.map((r) => r.event_id));
    await waitFor('the events of the user', () => {
      const got = new Set(consumer.received.map((m) => m.value.event_id));
      return [...expected].every((e) => got.has(e));
    });
    const ofUser = consumer.received.filter((m) => m.key === first.body.id);
    assert.deepEqual(
      [...new Set(ofUser.map((m) => m.value.event_id))].sort(),
      [...expected].sort(),
      'nothing else reached Kafka',
    );

    // A committed user always has its user.created.
    const missing = await sql(
      t.databaseUrl,
      `SELECT u.id FROM users u WHERE NOT EXISTS (SELECT 1 FROM outbox_events o WHERE o.aggregate_id = u.id AND o.event_type = 'user.created')`,
    );
    assert.deepEqual(missing, []);
  });

  it('exposes outbox pending, published and publish-failure series on /metrics', async () => {
    const text = (await http(t.metricsUrl, 'GET', '/metrics')).body as string;
    const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    assert.ok(value('outbox_events_published_total') > 0, 'published counter moved');
    assert.ok(value('outbox_publish_failures_total') >= 0);
    assert.equal(value('outbox_pending_events'), await t.running.app.get(OutboxRepository).countPending(AUTOCOMMIT));
  });
});

describe('user events without brokers (embedded mode)', { skip: SKIP }, () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ env: { OUTBOX_POLL_INTERVAL_MS: '20' } });
  });
  after(async () => {
    await t?.close();
  });

  it('keeps events in the outbox and reports the broker disabled with the pending count', async () => {
    await registerAndLogin(t.url);
    const stats = await http(t.url, 'GET', '/stats');
    assert.equal(stats.status, 200);
    assert.deepEqual(stats.body.events, { broker: 'disabled', outbox_pending: 2 });
    const ready = await http(t.url, 'GET', '/health/readiness');
    assert.equal(ready.status, 200);
    assert.equal(ready.body.details.events.broker, 'disabled');
    // Several poll intervals later nothing was published.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const rows = await outboxRows(t.databaseUrl);
    assert.equal(rows.length, 2);
    assert.ok(rows.every((r) => r.published_at === null && r.attempts === 0));
  });
});

describe('outbox retention', { skip: SKIP }, () => {
  it('purges published rows past OUTBOX_RETENTION_HOURS and keeps the rest', async () => {
    const db = await createTestDatabase();
    const insert = (publishedAgo: string | null): Promise<{ event_id: string }[]> =>
      sql<{ event_id: string }>(
        db.url,
        `INSERT INTO outbox_events (event_id, event_type, aggregate_id, payload, occurred_at, published_at)
         VALUES (gen_random_uuid(), 'user.updated', $1::uuid, jsonb_build_object('user_id', $1::text, 'updated_fields', '["name"]'::jsonb, 'actor_id', null),
                 now() - interval '3 hours', ${publishedAgo === null ? 'NULL' : `now() - interval '${publishedAgo}'`})
         RETURNING event_id`,
        [randomUUID()],
      );
    const [old] = await insert('2 hours');
    const [recent] = await insert('10 minutes');
    const [pending] = await insert(null);
    const topic = `user-events-retention-${randomBytes(4).toString('hex')}`;
    const t = await startTestApp({
      databaseUrl: db.url,
      env: {
        KAFKA_BROKERS: BROKERS as string,
        KAFKA_TOPIC_USER_EVENTS: topic,
        OUTBOX_RETENTION_HOURS: '1',
        OUTBOX_POLL_INTERVAL_MS: '20',
      },
    });
    try {
      const remaining = await waitFor('the purge', async () => {
        const rows = await outboxRows(db.url);
        return rows.some((r) => r.event_id === old?.event_id) ? undefined : rows;
      });
      assert.deepEqual(remaining.map((r) => r.event_id).sort(), [recent?.event_id, pending?.event_id].sort());
      await waitFor('the pending row to be published', async () =>
        (await outboxRows(db.url)).every((r) => r.published_at !== null),
      );
    } finally {
      await t.close();
      await db.drop();
    }
  });
});
