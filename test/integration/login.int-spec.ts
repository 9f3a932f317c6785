import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JwtModule } from '@nestjs/jwt';
import { AuditModule } from '#src/modules/audit/audit.module.js';
import { LoginService } from '#src/modules/auth/login.service.js';
import { MfaModule } from '#src/modules/auth/mfa/mfa.module.js';
import { PasswordsModule } from '#src/modules/auth/passwords/passwords.module.js';
import { SignInRepository } from '#src/modules/auth/sign-in.repository.js';
import { TokenService } from '#src/modules/auth/token.service.js';
import { LockoutModule } from '#src/modules/lockout/lockout.module.js';
import { SessionsModule } from '#src/modules/sessions/sessions.module.js';
import { SessionsService } from '#src/modules/sessions/sessions.service.js';
import { PasswordHasher } from '#src/modules/auth/passwords/password-hasher.service.js';
import { UsersModule } from '#src/modules/users/users.module.js';
import { sql } from '../utils/database.js';
import { insertUser, newIdentity, sessionsOf } from '../utils/factories.js';
import { decodePayload } from '../utils/jwt.js';
import { PASSWORD_FIXTURES } from '../utils/password-fixtures.js';
import { type ServiceContext, startServiceContext } from '../utils/service-context.js';

/** Login and the credential check on real PostgreSQL, with the event port, mail and Redis faked. */

const meta = { ip: '203.0.113.9', userAgent: 'LoginProbe/1.0', requestId: 'req-login-int' };

// A bcrypt hash made by pyca/bcrypt (test/fixtures/generate-hashes.py).
const BCRYPT = PASSWORD_FIXTURES.find((h) => h.id === 'bcrypt-2b') as { password: string; hash: string };

describe('LoginService (real PostgreSQL, faked edges)', () => {
  let ctx: ServiceContext;
  let login: LoginService;
  let hasher: PasswordHasher;
  before(async () => {
    ctx = await startServiceContext({
      imports: [
        UsersModule,
        PasswordsModule,
        SessionsModule,
        LockoutModule,
        AuditModule,
        MfaModule,
        JwtModule.register({}),
      ],
      providers: [LoginService, TokenService, SignInRepository],
      env: { MAX_LOGIN_ATTEMPTS: '3' },
    });
    login = ctx.get(LoginService);
    hasher = ctx.get(PasswordHasher);
  });
  after(async () => {
    await ctx.close();
  });

  /** A user row with an argon2id hash of the identity's password, made by the service's own hasher. */
  const user = async (fields: { isActive?: boolean } = {}) => {
    const identity = newIdentity('login');
    const row = await insertUser(ctx.databaseUrl, {
      ...identity,
      passwordHash: await hasher.hash(identity.password),
      ...fields,
    });
    return { ...row, password: identity.password };
  };

  const historyOf = (userId: string | null, email?: string) =>
    sql<{ success: boolean; reason: string | null; ip: string; user_agent: string }>(
      ctx.databaseUrl,
      userId === null
        ? 'SELECT success, reason, ip, user_agent FROM login_history WHERE user_id IS NULL AND user_agent = $1'
        : 'SELECT success, reason, ip, user_agent FROM login_history WHERE user_id = $1 ORDER BY created_at',
      [userId ?? email],
    );

  it('opens a session, signs its id into the access token, records the login and publishes user.logged_in', async () => {
    const u = await user();
    const tokens = await login.login({ email: u.email, password: u.password }, meta);
    assert.ok('access_token' in tokens, 'a user without MFA gets tokens at once');
    assert.equal(tokens.token_type, 'bearer');
    const [session] = await sessionsOf(ctx.databaseUrl, u.id);
    const claims = decodePayload(tokens.access_token);
    assert.equal(claims.sub, u.id);
    assert.equal(claims.sid, session?.id);
    assert.equal(await ctx.get(SessionsService).isAlive(session?.id ?? ''), true);
    assert.deepEqual(await historyOf(u.id), [{ success: true, reason: null, ip: meta.ip, user_agent: meta.userAgent }]);
    // The sign-in writes its outbox row in its own statement (SignInRepository), not through the event port.
    const [event] = await sql<{ payload: unknown }>(
      ctx.databaseUrl,
      "SELECT payload FROM outbox_events WHERE aggregate_id = $1 AND event_type = 'user.logged_in'",
      [u.id],
    );
    assert.deepEqual(event?.payload, {
      user_id: u.id,
      session_id: session?.id,
      ip_address: meta.ip,
      user_agent: meta.userAgent,
    });
    const stored = await sql<{ last_login_at: Date | null }>(
      ctx.databaseUrl,
      'SELECT last_login_at FROM users WHERE id = $1',
      [u.id],
    );
    assert.ok(stored[0]?.last_login_at);
  });

  it('answers USER_1001 alike for a wrong password and an unknown account, recording both', async () => {
    const u = await user();
    await assert.rejects(login.login({ email: u.email, password: `${u.password}!` }, meta), { code: 'USER_1001' });
    const agent = `Unknown/${newIdentity().username}`;
    await assert.rejects(
      login.login(
        { email: `nobody-${newIdentity().username}@example.com`, password: u.password },
        { ...meta, userAgent: agent },
      ),
      { code: 'USER_1001' },
    );
    assert.deepEqual(
      (await historyOf(u.id)).map((h) => [h.success, h.reason]),
      [[false, 'bad_password']],
    );
    assert.deepEqual(
      (await historyOf(null, agent)).map((h) => [h.success, h.reason]),
      [[false, 'unknown_account']],
    );
    assert.deepEqual(await sessionsOf(ctx.databaseUrl, u.id), []);
  });

  it('locks the account after MAX_LOGIN_ATTEMPTS failures, even for the right password, and publishes user.locked', async () => {
    const u = await user();
    for (let i = 0; i < 3; i++) {
      await assert.rejects(login.login({ email: u.email, password: 'Wrong-Passw0rd-1' }, meta), { code: 'USER_1001' });
    }
    await assert.rejects(login.login({ email: u.email, password: u.password }, meta), { code: 'USER_1003' });
    assert.equal(ctx.events.ofType('user.locked').filter((e) => e.userId === u.id).length, 1);
    assert.deepEqual(await sessionsOf(ctx.databaseUrl, u.id), []);
  });

  it('refuses a deactivated account with USER_1002 once the password is right', async () => {
    const u = await user({ isActive: false });
    await assert.rejects(login.login({ email: u.email, password: u.password }, meta), { code: 'USER_1002' });
    assert.deepEqual(
      (await historyOf(u.id)).map((h) => h.reason),
      ['disabled'],
    );
    assert.deepEqual(await login.verifyCredentials({ email: u.email, password: u.password }, meta), { valid: false });
  });

  it('upgrades an imported bcrypt hash to argon2id at login, once', async () => {
    const identity = newIdentity('bcrypt');
    const row = await insertUser(ctx.databaseUrl, { ...identity, passwordHash: BCRYPT.hash });
    const stored = async (): Promise<string> =>
      (await sql<{ h: string }>(ctx.databaseUrl, 'SELECT password_hash AS h FROM users WHERE id = $1', [row.id]))[0].h;
    await login.login({ email: row.email, password: BCRYPT.password }, meta);
    const upgraded = await stored();
    assert.ok(upgraded.startsWith('$argon2id$'), upgraded.slice(0, 30));
    await login.login({ email: row.email, password: BCRYPT.password }, meta);
    assert.equal(await stored(), upgraded, 'no second rehash');
  });

  it('checks credentials for services without opening a session, upgrading a legacy hash too', async () => {
    const identity = newIdentity('verify');
    const row = await insertUser(ctx.databaseUrl, { ...identity, passwordHash: BCRYPT.hash });
    const checked = await login.verifyCredentials({ username: row.username, password: BCRYPT.password }, meta);
    assert.equal(checked.valid, true);
    assert.equal(checked.user?.id, row.id);
    assert.doesNotMatch(JSON.stringify(checked), /password|argon2|\$2b\$/);
    const [hash] = await sql<{ h: string }>(ctx.databaseUrl, 'SELECT password_hash AS h FROM users WHERE id = $1', [
      row.id,
    ]);
    assert.ok(hash?.h.startsWith('$argon2id$'));
    assert.deepEqual(await sessionsOf(ctx.databaseUrl, row.id), []);
    assert.deepEqual(await login.verifyCredentials({ email: row.email, password: 'Wrong-Passw0rd-1' }, meta), {
      valid: false,
    });
  });
});
