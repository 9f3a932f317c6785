import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { toEnvelope } from '#src/modules/events/outbox-message.js';
import { startTestApp, type TestApp } from '../utils/app.js';
import { sql } from '../utils/database.js';
import { ajv, validate } from '../utils/event-schema.js';
import { newIdentity, startWithAdmin, type AppWithAdmin, type Smtp } from '../utils/factories.js';
import { http } from '../utils/http.js';
import { consumeTopic } from '../utils/kafka.js';
import { waitFor } from '../utils/wait.js';

/**
 * Issue 11 item 6: after erasure nothing personal is left in the login history, the
 * sessions, the one-time tokens or the outbox (published rows and pending ones, with or
 * without Kafka), and an account registered again with the same email sees nothing of the
 * old one. Rows are read straight from PostgreSQL.
 */

const BROKERS = process.env.TEST_KAFKA_BROKERS;
const ADMIN = { email: 'erasure-admin@example.com', password: 'Admin-Passw0rd-Long' };

interface OutboxRow {
  id: string;
  event_id: string;
  event_type: string;
  aggregate_id: string;
  payload: Record<string, unknown>;
  occurred_at: Date;
  published_at: Date | null;
}

const outboxOf = (url: string, userId: string): Promise<OutboxRow[]> =>
  sql<OutboxRow>(
    url,
    `SELECT id::text AS id, event_id, event_type, aggregate_id, payload, occurred_at, published_at
       FROM outbox_events WHERE aggregate_id = $1 ORDER BY id`,
    [userId],
  );

/** An account with everything erasure must clear: sessions, logins (good and bad), tokens, events. */
async function richAccount(
  t: TestApp,
  smtp: Smtp,
): Promise<{ id: string; access: string; identity: ReturnType<typeof newIdentity>; agent: string }> {
  const identity = newIdentity('erase');
  const agent = `ErasureProbe/1.0 (${randomBytes(6).toString('hex')})`;
  const headers = { 'user-agent': agent };
  const reg = await http(t.url, 'POST', '/api/v1/auth/register', { body: identity, headers });
  assert.equal(reg.status, 201);
  const id = reg.body.id as string;
  const wrong = await http(t.url, 'POST', '/api/v1/auth/login', {
    body: { email: identity.email, password: 'Wrong-Passw0rd-123' },
    headers,
  });
  assert.equal(wrong.status, 401);
  let access = '';
  for (let i = 0; i < 2; i++) {
    const login = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: identity.email, password: identity.password },
      headers,
    });
    assert.equal(login.status, 200);
    access = login.body.access_token as string;
  }
  assert.equal(
    (await http(t.url, 'POST', '/api/v1/auth/password/forgot', { body: { email: identity.email }, headers })).status,
    202,
  );
  await smtp.waitFor(identity.email, 2); // the verification mail and the reset link
  await waitFor('the reset token', async () => {
    const rows = await sql(
      t.databaseUrl,
      `SELECT 1 FROM one_time_tokens WHERE user_id = $1 AND purpose = 'password_reset'`,
      [id],
    );
    return rows.length === 1;
  });
  // The relay (off here) would have published the older rows: mark some, so both kinds are erased.
  await sql(
    t.databaseUrl,
    `UPDATE outbox_events SET published_at = now(), attempts = 1
      WHERE id IN (SELECT id FROM outbox_events WHERE aggregate_id = $1 ORDER BY id LIMIT 2)`,
    [id],
  );
  return { id, access, identity, agent };
}

describe('erasure leaves nothing personal behind', () => {
  let app: AppWithAdmin & { smtp: Smtp };
  let t: TestApp;
  let smtp: Smtp;
  let admin: string;
  before(async () => {
    app = await startWithAdmin(ADMIN, { smtp: true });
    ({ t, smtp, admin } = app);
  });
  after(async () => {
    await app.close();
  });

  for (const by of ['the user', 'an admin'] as const) {
    it(`clears IP, user agent, tokens and event payloads when ${by} erases the account`, async () => {
      const u = await richAccount(t, smtp);
      const before = await outboxOf(t.databaseUrl, u.id);
      assert.ok(before.some((r) => r.published_at !== null) && before.some((r) => r.published_at === null));
      assert.match(JSON.stringify(before), new RegExp(u.identity.email.replace('.', '\\.')));

      const erased =
        by === 'the user'
          ? await http(t.url, 'DELETE', '/api/v1/users/me', {
              token: u.access,
              body: { password: u.identity.password },
            })
          : await http(t.url, 'DELETE', `/api/v1/users/${u.id}`, { token: admin });
      assert.equal(erased.status, 204);

      const logins = await sql<{ ip: string | null; user_agent: string | null }>(
        t.databaseUrl,
        'SELECT ip, user_agent FROM login_history WHERE user_id = $1',
        [u.id],
      );
      assert.ok(logins.length >= 2, 'the history stays (times and outcomes)');
      assert.deepEqual(
        logins.filter((l) => l.ip !== null || l.user_agent !== null),
        [],
        'no IP or user agent in the login history',
      );
      const sessions = await sql<{ ip_address: string | null; user_agent: string | null; revoked_at: Date | null }>(
        t.databaseUrl,
        'SELECT ip_address, user_agent, revoked_at FROM sessions WHERE user_id = $1',
        [u.id],
      );
      assert.equal(sessions.length, 2);
      for (const s of sessions) {
        assert.equal(s.ip_address, null);
        assert.equal(s.user_agent, null);
        assert.ok(s.revoked_at !== null);
      }
      const tokens = await sql(t.databaseUrl, 'SELECT 1 FROM one_time_tokens WHERE user_id = $1', [u.id]);
      assert.equal(tokens.length, 0, 'pending one-time tokens deleted');

      const rows = await outboxOf(t.databaseUrl, u.id);
      assert.ok(rows.length > before.length, 'user.logged_out and user.deleted added');
      const text = JSON.stringify(rows.map((r) => r.payload));
      for (const personal of [u.identity.email, u.identity.name, u.identity.username, u.agent, '127.0.0.1']) {
        assert.ok(!text.includes(personal), `no "${personal}" left in the outbox`);
      }
      const created = rows.find((r) => r.event_type === 'user.created');
      assert.deepEqual(created?.payload, {
        user_id: u.id,
        email: `erased+${u.id}@erased.invalid`,
        username: null,
        name: 'Erased user',
        role: 'user',
        is_verified: false,
        source: 'register',
      });
      for (const r of rows.filter((row) => row.event_type === 'user.logged_in')) {
        assert.equal(r.payload.ip_address, null);
        assert.equal(r.payload.user_agent, null);
      }
      for (const r of rows) {
        const envelope = toEnvelope({
          ...r,
          eventId: r.event_id,
          eventType: r.event_type,
          aggregateId: r.aggregate_id,
          occurredAt: new Date(r.occurred_at),
        });
        assert.ok(
          validate(envelope),
          `rewritten ${r.event_type} still matches the schema: ${ajv.errorsText(validate.errors)}`,
        );
      }
    });
  }

  it('shows nothing of the old account in the export after the email registers again', async () => {
    const old = await richAccount(t, smtp);
    assert.equal(
      (
        await http(t.url, 'DELETE', '/api/v1/users/me', {
          token: old.access,
          body: { password: old.identity.password },
        })
      ).status,
      204,
    );
    const identity = { ...newIdentity('again'), email: old.identity.email };
    const reg = await http(t.url, 'POST', '/api/v1/auth/register', { body: identity });
    assert.equal(reg.status, 201);
    assert.notEqual(reg.body.id, old.id);
    const login = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: identity.email, password: identity.password },
    });
    assert.equal(login.status, 200);
    const exported = await http(t.url, 'GET', '/api/v1/users/me/export', { token: login.body.access_token as string });
    assert.equal(exported.status, 200);
    const body = exported.body as Record<string, any>;
    assert.equal(body.profile.id, reg.body.id);
    assert.equal(body.sessions.length, 1, 'only the new session');
    assert.equal(body.login_history.length, 1, 'only the new login');
    assert.deepEqual(body.audit, []);
    const text = JSON.stringify(body);
    assert.equal(body.profile.username, identity.username);
    // (The old username is the local part of the shared email, so it is not searched for.)
    for (const stale of [old.id, old.agent, old.identity.name]) {
      assert.ok(!text.includes(stale), `the export does not mention "${stale}"`);
    }
  });

  it(
    'rewritten rows still pending are published later, schema-valid and without personal data',
    { skip: BROKERS === undefined },
    async () => {
      const u = await richAccount(t, smtp);
      assert.equal(
        (await http(t.url, 'DELETE', '/api/v1/users/me', { token: u.access, body: { password: u.identity.password } }))
          .status,
        204,
      );
      const pending = (await outboxOf(t.databaseUrl, u.id)).filter((r) => r.published_at === null);
      assert.ok(
        pending.some((r) => r.event_type === 'user.logged_in'),
        'a login event was still pending at erasure',
      );

      // Kafka configured later: the relay of a new instance publishes what collected.
      const topic = `erasure-${randomBytes(4).toString('hex')}`;
      const relay = await startTestApp({
        databaseUrl: t.databaseUrl,
        env: { KAFKA_BROKERS: BROKERS as string, KAFKA_TOPIC_USER_EVENTS: topic, OUTBOX_POLL_INTERVAL_MS: '50' },
      });
      try {
        await waitFor('the pending rows to be published', async () => {
          const rows = await outboxOf(t.databaseUrl, u.id);
          return rows.every((r) => r.published_at !== null);
        });
        const consumer = await consumeTopic(BROKERS as string, topic);
        try {
          const ids = new Set(pending.map((r) => r.event_id));
          const received = await waitFor('the rewritten events on the topic', () => {
            const got = consumer.received.filter((m) => ids.has(m.value?.event_id as string));
            return new Set(got.map((m) => m.value.event_id)).size === ids.size ? got : undefined;
          });
          for (const m of received) {
            assert.ok(validate(m.value), `${m.value.event_type}: ${ajv.errorsText(validate.errors)}`);
            const text = JSON.stringify(m.value);
            for (const personal of [u.identity.email, u.identity.name, u.agent]) assert.ok(!text.includes(personal));
          }
        } finally {
          await consumer.stop();
        }
      } finally {
        await relay.close();
      }
    },
  );
});
