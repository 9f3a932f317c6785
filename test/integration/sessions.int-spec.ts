import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AUTOCOMMIT, TransactionRunner } from '#src/database/transaction.js';
import { SessionsModule } from '#src/modules/sessions/sessions.module.js';
import { SessionsService } from '#src/modules/sessions/sessions.service.js';
import { sql } from '../utils/database.js';
import { insertSession, insertUser, sessionsOf } from '../utils/factories.js';

import { type ServiceContext, startServiceContext } from '../utils/service-context.js';

/** Computed here, not with the service's own hashToken, so the stored form is checked independently. */
const sha256Hex = (token: string): string => createHash('sha256').update(token).digest('hex');

/** The session store on real PostgreSQL, with the in-process key-value store for Redis. */

const meta = { ip: '203.0.113.7', userAgent: 'SessionsProbe/1.0' };

describe('SessionsService (real PostgreSQL, faked edges)', () => {
  let ctx: ServiceContext;
  let sessions: SessionsService;
  let transactions: TransactionRunner;
  before(async () => {
    ctx = await startServiceContext({ imports: [SessionsModule], env: { MAX_SESSIONS_PER_USER: '2' } });
    sessions = ctx.get(SessionsService);
    transactions = ctx.get(TransactionRunner);
  });
  after(async () => {
    await ctx.close();
  });

  const open = async (userId: string) => {
    const opened = await transactions.run((tx) => sessions.open(tx, { userId, ...meta }));
    await sessions.publishOpened(opened.session, opened.evicted);
    return opened;
  };

  it('opens a session storing only the hash of its refresh token, and marks it alive', async () => {
    const user = await insertUser(ctx.databaseUrl);
    const { session, refreshToken, evicted } = await open(user.id);
    assert.deepEqual(evicted, []);
    const rows = await sql<{ refresh_token_hash: string; ip_address: string; user_agent: string; expires_at: Date }>(
      ctx.databaseUrl,
      'SELECT refresh_token_hash, ip_address, user_agent, expires_at FROM sessions WHERE id = $1',
      [session.id],
    );
    assert.equal(rows[0]?.refresh_token_hash, sha256Hex(refreshToken));
    assert.equal(rows[0]?.ip_address, meta.ip);
    assert.equal(rows[0]?.user_agent, meta.userAgent);
    const ttl = (rows[0].expires_at.getTime() - Date.now()) / 1000;
    assert.ok(Math.abs(ttl - ctx.config.jwt.refreshTtlSeconds) < 60, `expires in ${ttl} s`);
    assert.equal(await ctx.kv.get(`sess:${session.id}`), '1');
    assert.equal(await sessions.isAlive(session.id), true);
  });

  it('ends the oldest sessions beyond MAX_SESSIONS_PER_USER and forgets their keys', async () => {
    const user = await insertUser(ctx.databaseUrl);
    const first = await open(user.id);
    await open(user.id);
    const third = await open(user.id);
    assert.deepEqual(third.evicted, [first.session.id]);
    const stored = await sessionsOf(ctx.databaseUrl, user.id);
    assert.deepEqual(
      stored.map((s) => s.revoked_reason),
      ['session_limit', null, null],
    );
    assert.equal(await ctx.kv.get(`sess:${first.session.id}`), null);
    assert.equal(await sessions.isAlive(first.session.id), false);
    assert.equal((await sessions.list(user.id, third.session.id)).length, 2);
  });

  it('rotates a refresh token once; the spent token is detected as reuse', async () => {
    const user = await insertUser(ctx.databaseUrl);
    const s = await insertSession(ctx.databaseUrl, user.id);
    const rotated = await sessions.rotate(s.refreshToken);
    assert.equal(rotated.sessionId, s.id);
    assert.equal(rotated.userId, user.id);
    assert.notEqual(rotated.refreshToken, s.refreshToken);
    await assert.rejects(sessions.rotate(s.refreshToken), { code: 'USER_1006' });
    assert.deepEqual(await sessions.detectReuse(s.refreshToken), { sessionId: s.id, userId: user.id });
    assert.equal(await sessions.detectReuse(rotated.refreshToken), null, 'the live token is not spent');
    const again = await sessions.rotate(rotated.refreshToken);
    assert.equal(again.sessionId, s.id);
  });

  it('refuses tokens that are not of its shape, expired sessions and revoked ones', async () => {
    for (const token of ['', 'short', 'x'.repeat(200), 'has spaces in it and is long enough']) {
      await assert.rejects(sessions.rotate(token), { code: 'USER_1006' }, JSON.stringify(token));
      assert.equal(await sessions.detectReuse(token), null);
    }
    const user = await insertUser(ctx.databaseUrl);
    const expired = await insertSession(ctx.databaseUrl, user.id, { expiresInSeconds: -1 });
    await assert.rejects(sessions.rotate(expired.refreshToken), { code: 'USER_1006' });
    assert.equal(await sessions.isAlive(expired.id), false);
    const live = await insertSession(ctx.databaseUrl, user.id);
    assert.deepEqual(
      (await sessions.revoke(AUTOCOMMIT, [live.id, expired.id], 'logout')).sort(),
      [live.id, expired.id].sort(),
    );
    assert.deepEqual(await sessions.revoke(AUTOCOMMIT, [live.id], 'logout'), [], 'revoked once');
    await assert.rejects(sessions.rotate(live.refreshToken), { code: 'USER_1006' });
  });

  it('answers from PostgreSQL when the key is missing, and refills it', async () => {
    const user = await insertUser(ctx.databaseUrl);
    const s = await insertSession(ctx.databaseUrl, user.id);
    assert.equal(await ctx.kv.get(`sess:${s.id}`), null, 'as after a Redis restart');
    assert.equal(await sessions.isAlive(s.id), true);
    assert.equal(await ctx.kv.get(`sess:${s.id}`), '1');
    await sessions.revokeAllForUser(AUTOCOMMIT, user.id, 'password_change');
    assert.equal(await sessions.isAlive(s.id), true, 'the key still answers until it is forgotten');
    await sessions.forget([s.id]);
    assert.equal(await sessions.isAlive(s.id), false);
  });

  it('revokes all of a user but one, and forgets the client details on erasure', async () => {
    const user = await insertUser(ctx.databaseUrl);
    const kept = await insertSession(ctx.databaseUrl, user.id, { ip: '198.51.100.1', userAgent: 'A' });
    const other = await insertSession(ctx.databaseUrl, user.id, { ip: '198.51.100.2', userAgent: 'B' });
    const bystander = await insertUser(ctx.databaseUrl);
    const theirs = await insertSession(ctx.databaseUrl, bystander.id, { ip: '198.51.100.3', userAgent: 'C' });
    assert.deepEqual(await sessions.revokeAllForUser(AUTOCOMMIT, user.id, 'logout_all', kept.id), [other.id]);
    await transactions.run((tx) => sessions.forgetClientDetails(tx, user.id));
    for (const s of await sessionsOf(ctx.databaseUrl, user.id)) {
      assert.equal(s.ip_address, null);
      assert.equal(s.user_agent, null);
    }
    const [row] = await sessionsOf(ctx.databaseUrl, bystander.id);
    assert.deepEqual([row?.id, row?.ip_address, row?.user_agent], [theirs.id, '198.51.100.3', 'C']);
  });
});
