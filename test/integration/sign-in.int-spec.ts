import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignInRepository } from '#src/modules/auth/sign-in.repository.js';
import { userEvent } from '#src/modules/events/event-publisher.js';
import { SessionsModule } from '#src/modules/sessions/sessions.module.js';
import { SessionsService } from '#src/modules/sessions/sessions.service.js';
import { sql } from '../utils/database.js';
import { insertUser, sessionsOf } from '../utils/factories.js';
import { type ServiceContext, startServiceContext } from '../utils/service-context.js';

/** Computed here, not with the service's own hashToken, so the stored form is checked independently. */
const sha256Hex = (token: string): string => createHash('sha256').update(token).digest('hex');

const meta = { ip: '203.0.113.7', userAgent: 'SignInProbe/1.0' };

interface OutboxRecord {
  id: string;
  event_type: string;
  aggregate_id: string;
  payload: Record<string, unknown>;
}

/**
 * A successful sign-in's writes as one statement (SignInRepository, the sign_in_write
 * function) on real PostgreSQL: every row the transaction it replaced wrote, the eviction
 * past MAX_SESSIONS_PER_USER, the outbox rows in order, and concurrent sign-ins of one user.
 */
describe('sign-in write (one statement, real PostgreSQL)', () => {
  let ctx: ServiceContext;
  let sessions: SessionsService;
  let signIns: SignInRepository;
  before(async () => {
    ctx = await startServiceContext({
      imports: [SessionsModule],
      providers: [SignInRepository],
      env: { MAX_SESSIONS_PER_USER: '2' },
    });
    sessions = ctx.get(SessionsService);
    signIns = ctx.get(SignInRepository);
  });
  after(async () => {
    await ctx.close();
  });

  const signIn = async (userId: string, rehash: string | null = null) => {
    const session = sessions.draft({ userId, ...meta });
    const loggedIn = userEvent('user.logged_in', userId, {
      user_id: userId,
      session_id: session.id,
      ip_address: meta.ip,
      user_agent: meta.userAgent,
    });
    const { evicted } = await signIns.write({
      session,
      rehash,
      events: [loggedIn],
      onEviction: sessions.logoutEvent(userId, [], 'session_limit'),
    });
    await sessions.publishOpened(session, evicted);
    return { session, evicted };
  };

  const outboxOf = (userId: string): Promise<OutboxRecord[]> =>
    sql<OutboxRecord>(
      ctx.databaseUrl,
      'SELECT id::text, event_type, aggregate_id::text, payload FROM outbox_events WHERE aggregate_id = $1 ORDER BY id',
      [userId],
    );

  it('stores the session with only its refresh token hash, the login time and history, and user.logged_in', async () => {
    const user = await insertUser(ctx.databaseUrl);
    const { session, evicted } = await signIn(user.id);
    assert.deepEqual(evicted, []);
    const [row] = await sql<{ refresh_token_hash: string; ip_address: string; user_agent: string; expires_at: Date }>(
      ctx.databaseUrl,
      'SELECT refresh_token_hash, ip_address, user_agent, expires_at FROM sessions WHERE id = $1',
      [session.id],
    );
    assert.equal(row?.refresh_token_hash, sha256Hex(session.refreshToken));
    assert.equal(row?.ip_address, meta.ip);
    assert.equal(row?.user_agent, meta.userAgent);
    const ttl = (row.expires_at.getTime() - Date.now()) / 1000;
    assert.ok(Math.abs(ttl - ctx.config.jwt.refreshTtlSeconds) < 60, `expires in ${ttl} s`);
    assert.equal(await ctx.kv.get(`sess:${session.id}`), '1');
    assert.equal(await sessions.isAlive(session.id), true);

    const [u] = await sql<{ last_login_at: Date | null; password_hash: string }>(
      ctx.databaseUrl,
      'SELECT last_login_at, password_hash FROM users WHERE id = $1',
      [user.id],
    );
    assert.ok(u?.last_login_at instanceof Date && Date.now() - u.last_login_at.getTime() < 60_000);
    assert.equal(u.password_hash, 'not-a-hash', 'no rehash asked, none stored');
    const history = await sql<{ ip: string; user_agent: string; success: boolean; reason: string | null }>(
      ctx.databaseUrl,
      'SELECT ip, user_agent, success, reason FROM login_history WHERE user_id = $1',
      [user.id],
    );
    assert.deepEqual(history, [{ ip: meta.ip, user_agent: meta.userAgent, success: true, reason: null }]);
    const events = await outboxOf(user.id);
    assert.deepEqual(
      events.map((e) => [e.event_type, e.payload]),
      [
        [
          'user.logged_in',
          { user_id: user.id, session_id: session.id, ip_address: meta.ip, user_agent: meta.userAgent },
        ],
      ],
    );
  });

  it('stores the rehash when one is given', async () => {
    const user = await insertUser(ctx.databaseUrl);
    await signIn(user.id, '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$rehashedrehashedrehashed');
    const [u] = await sql<{ password_hash: string }>(ctx.databaseUrl, 'SELECT password_hash FROM users WHERE id = $1', [
      user.id,
    ]);
    assert.equal(u?.password_hash, '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$rehashedrehashedrehashed');
  });

  it('ends the oldest sessions beyond MAX_SESSIONS_PER_USER, forgets their keys and names them in user.logged_out', async () => {
    const user = await insertUser(ctx.databaseUrl);
    const first = await signIn(user.id);
    await signIn(user.id);
    const third = await signIn(user.id);
    assert.deepEqual(third.evicted, [first.session.id]);
    const stored = await sessionsOf(ctx.databaseUrl, user.id);
    assert.deepEqual(
      stored.map((s) => s.revoked_reason),
      ['session_limit', null, null],
    );
    assert.equal(await ctx.kv.get(`sess:${first.session.id}`), null);
    assert.equal(await sessions.isAlive(first.session.id), false);
    assert.equal((await sessions.list(user.id, third.session.id)).length, 2);
    const events = await outboxOf(user.id);
    assert.deepEqual(
      events.map((e) => e.event_type),
      ['user.logged_in', 'user.logged_in', 'user.logged_in', 'user.logged_out'],
      'the eviction is recorded after the sign-in that caused it',
    );
    assert.deepEqual(events[3]?.payload, {
      user_id: user.id,
      session_ids: [first.session.id],
      reason: 'session_limit',
    });
  });

  it('serialises concurrent sign-ins of one user: the limit holds and each evicted session is named once', async () => {
    const user = await insertUser(ctx.databaseUrl);
    const results = await Promise.all(Array.from({ length: 8 }, () => signIn(user.id)));
    const stored = await sessionsOf(ctx.databaseUrl, user.id);
    assert.equal(stored.length, 8);
    assert.equal(stored.filter((s) => s.revoked_at === null).length, 2, 'MAX_SESSIONS_PER_USER live sessions');
    const evicted = results.flatMap((r) => r.evicted).sort();
    const revoked = stored
      .filter((s) => s.revoked_reason === 'session_limit')
      .map((s) => s.id)
      .sort();
    assert.deepEqual(evicted, revoked, 'every revoked session reported by exactly one sign-in');
    const named = (await outboxOf(user.id))
      .filter((e) => e.event_type === 'user.logged_out')
      .flatMap((e) => e.payload.session_ids as string[])
      .sort();
    assert.deepEqual(named, revoked);
  });

  it('refuses a sign-in for a user that does not exist, and writes nothing', async () => {
    const ghost = '00000000-0000-4000-8000-000000000000';
    await assert.rejects(signIn(ghost), /foreign key|violates/);
    assert.deepEqual(await sessionsOf(ctx.databaseUrl, ghost), []);
    assert.deepEqual(await outboxOf(ghost), []);
  });
});
