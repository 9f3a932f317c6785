import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AUTOCOMMIT, TransactionRunner } from '#src/database/transaction.js';
import { SessionsModule } from '#src/modules/sessions/sessions.module.js';
import { SessionsService } from '#src/modules/sessions/sessions.service.js';
import { insertSession, insertUser, sessionsOf } from '../utils/factories.js';

import { type ServiceContext, startServiceContext } from '../utils/service-context.js';

/** The session store on real PostgreSQL, with the in-process key-value store for Redis. */
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
