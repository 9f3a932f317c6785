import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hash } from '@node-rs/argon2';
import { startTestApp, type TestApp } from '../utils/app.js';
import { sql } from '../utils/database.js';
import {
  newIdentity,
  registerAndLogin,
  setPasswordHash,
  startWithAdmin,
  type AppWithAdmin,
} from '../utils/factories.js';
import { http } from '../utils/http.js';
import { outboxRowsOf } from '../utils/rows.js';

/**
 * Issue 11 items 3, 4 and 9: failures count per account whatever spelling or route checked
 * the password, every password-checking route draws on one per-IP budget, and emails and
 * passwords are compared in one Unicode form.
 */
const SERVICE_TOKEN = 'lockout-service-token-0123456789';
const ADMIN = { email: 'acct-lock-admin@example.com', password: 'Admin-Passw0rd-Lock' };
const WRONG = 'Wrong-Pass-123';

describe('per-account lockout', () => {
  let app: AppWithAdmin;
  let t: TestApp;
  let admin: string;
  before(async () => {
    app = await startWithAdmin(ADMIN, { env: { MAX_LOGIN_ATTEMPTS: '5', ALLOWED_API_TOKENS: SERVICE_TOKEN } });
    ({ t, admin } = app);
  });
  after(async () => {
    await app.close();
  });

  const login = (body: Record<string, string>) => http(t.url, 'POST', '/api/v1/auth/login', { body });
  const fullwidth = (s: string): string =>
    [...s].map((c) => (/[a-z0-9]/i.test(c) ? String.fromCodePoint(c.codePointAt(0)! + 0xfee0) : c)).join('');

  it('counts every spelling of one account once: five wrong guesses in all, not five per spelling', async () => {
    const u = await registerAndLogin(t.url);
    const { email, username, password } = u.identity;
    const spellings: Record<string, string>[] = [
      { email },
      { email: email.toUpperCase() },
      { username },
      { username: username.toUpperCase() },
      { email: fullwidth(email.split('@')[0]) + '@example.com' },
    ];
    for (const who of spellings) {
      const res = await login({ ...who, password: WRONG });
      assert.equal(res.status, 401, `${JSON.stringify(who)}: ${JSON.stringify(res.body)}`);
    }
    for (const who of spellings) {
      const res = await login({ ...who, password });
      assert.equal(res.status, 423, `${JSON.stringify(who)} after five failures in all`);
      assert.equal(res.body.error_code, 'USER_1003');
    }
  });

  it('finds one account for every form of U+0130, in code and in SQL alike', async () => {
    const id = newIdentity('dotted');
    const identity = { ...id, email: `\u0130${id.email}` };
    const reg = await http(t.url, 'POST', '/api/v1/auth/register', { body: identity });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    assert.equal(reg.body.email, `i\u0307${id.email}`, 'stored in the canonical form');
    const forms = [`\u0130${id.email}`, `i\u0307${id.email}`, `I\u0307${id.email.toUpperCase()}`];
    for (const email of forms) {
      assert.equal((await login({ email, password: identity.password })).status, 200, `login as ${email}`);
    }
    for (let i = 0; i < 5; i++) await login({ email: forms[i % forms.length], password: WRONG });
    for (const email of forms) assert.equal((await login({ email, password: identity.password })).status, 423);
    // A username no sign-up can create finds nothing (so PostgreSQL's lower() is never asked).
    assert.equal((await login({ username: `\u0130${id.username}`.slice(0, 32), password: WRONG })).status, 401);
  });

  it('shares one counter between login, both verify-credentials routes, password change and deletion', async () => {
    const u = await registerAndLogin(t.url);
    const { email, password } = u.identity;
    const service = { 'x-service-token': SERVICE_TOKEN };
    assert.equal((await login({ email, password: WRONG })).status, 401);
    const v1 = await http(t.url, 'POST', '/api/v1/users/verify-credentials', {
      headers: service,
      body: { email, password: WRONG },
    });
    assert.deepEqual(v1.body, { valid: false });
    const legacy = await http(t.url, 'POST', '/users/verify-credentials', {
      headers: service,
      body: { email, password: WRONG },
    });
    assert.deepEqual(legacy.body, { valid: false });
    const change = await http(t.url, 'POST', '/api/v1/auth/password/change', {
      token: u.access,
      body: { current_password: WRONG, new_password: 'Brand-New-Passw0rd-1' },
    });
    assert.equal(change.status, 401);
    const erase = await http(t.url, 'DELETE', '/api/v1/users/me', { token: u.access, body: { password: WRONG } });
    assert.equal(erase.status, 401);

    // Five failures across five routes: the account is locked on all of them, right password or not.
    assert.equal((await login({ email, password })).status, 423);
    const changeLocked = await http(t.url, 'POST', '/api/v1/auth/password/change', {
      token: u.access,
      body: { current_password: password, new_password: 'Brand-New-Passw0rd-1' },
    });
    assert.equal(changeLocked.status, 423);
    assert.equal(changeLocked.body.error_code, 'USER_1003');
    const eraseLocked = await http(t.url, 'DELETE', '/api/v1/users/me', { token: u.access, body: { password } });
    assert.equal(eraseLocked.status, 423);
    const checkLocked = await http(t.url, 'POST', '/api/v1/users/verify-credentials', {
      headers: service,
      body: { email, password },
    });
    assert.equal(checkLocked.status, 423);
    const [user] = await sql<{ deleted_at: Date | null }>(t.databaseUrl, 'SELECT deleted_at FROM users WHERE id = $1', [
      u.id,
    ]);
    assert.equal(user?.deleted_at, null, 'a locked account is not erased');
    const locked = await outboxRowsOf(t.databaseUrl, 'user.locked', u.id);
    assert.equal(locked.length, 1, 'one user.locked event');
  });

  it('clears every counter of the account on admin unlock', async () => {
    const u = await registerAndLogin(t.url);
    const { email, username, password } = u.identity;
    for (let i = 0; i < 4; i++) await login({ email, password: WRONG });
    await login({ username, password: WRONG });
    assert.equal((await login({ username, password })).status, 423);
    assert.equal((await http(t.url, 'POST', `/api/v1/users/${u.id}/unlock`, { token: admin })).status, 204);
    assert.equal((await login({ username, password })).status, 200);
    // The count starts again from zero: four more failures do not lock.
    for (let i = 0; i < 4; i++) await login({ email, password: WRONG });
    assert.equal((await login({ email, password })).status, 200);
  });

  it('still locks identifiers that name no account, without telling them apart', async () => {
    const ghost = `ghost-${newIdentity().username}@example.com`;
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push((await login({ email: ghost, password: WRONG })).status);
    assert.deepEqual(answers, [401, 401, 401, 401, 401, 423]);
  });
});

describe('one Unicode form for emails and passwords', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t.close();
  });

  const login = (email: string, password: string) =>
    http(t.url, 'POST', '/api/v1/auth/login', { body: { email, password } });

  it('stores an email in NFKC and finds it from any composition or width', async () => {
    const id = newIdentity('jose');
    const decomposed = `Jose\u0301-${id.email}`;
    const reg = await http(t.url, 'POST', '/api/v1/auth/register', { body: { ...id, email: decomposed } });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    assert.equal(reg.body.email, `jos\u00e9-${id.email}`);
    assert.equal((await login(`JOS\u00c9-${id.email.toUpperCase()}`, id.password)).status, 200);
    const again = await http(t.url, 'POST', '/api/v1/auth/register', {
      body: { ...newIdentity('jose2'), email: `jos\u00e9-${id.email}` },
    });
    assert.equal(again.body.error_code, 'USER_1102', 'the precomposed spelling is the same address');
  });

  it('compares passwords in NFKC: the same password typed with another keyboard or form logs in', async () => {
    const id = newIdentity('nfkc');
    const typed = `\uff30ass-\ufb01sh-${id.username}-9`; // fullwidth P, "fi" ligature
    const plain = `Pass-fish-${id.username}-9`;
    assert.equal(typed.normalize('NFKC'), plain);
    const reg = await http(t.url, 'POST', '/api/v1/auth/register', { body: { ...id, password: typed } });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    assert.equal((await login(id.email, plain)).status, 200);
    assert.equal((await login(id.email, typed)).status, 200);
  });

  it('still verifies a hash made from the raw form once, and upgrades it to the NFKC form', async () => {
    const u = await registerAndLogin(t.url);
    const raw = `Cafe\u0301-Passw0rd-${u.identity.username}`; // decomposed é
    const legacy = await hash(raw, { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 });
    await setPasswordHash(t.databaseUrl, u.id, legacy);
    assert.equal((await login(u.identity.email, raw)).status, 200);
    const [row] = await sql<{ password_hash: string }>(t.databaseUrl, 'SELECT password_hash FROM users WHERE id = $1', [
      u.id,
    ]);
    assert.notEqual(row?.password_hash, legacy, 'rehashed on login');
    assert.equal((await login(u.identity.email, raw.normalize('NFKC'))).status, 200, 'now stored in NFKC');
  });
});

describe('one login budget and one register budget per client, across routes', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({
      env: {
        RATE_LIMIT_ENABLED: 'true',
        RATE_LIMIT_LOGIN_PER_MINUTE: '4',
        RATE_LIMIT_REGISTER_PER_HOUR: '2',
        RATE_LIMIT_PER_MINUTE: '1000',
        ALLOWED_API_TOKENS: SERVICE_TOKEN,
      },
    });
  });
  after(async () => {
    await t.close();
  });

  it('spends the login budget on every password-checking route', async () => {
    const service = { 'x-service-token': SERVICE_TOKEN };
    const body = { email: 'budget@example.com', password: WRONG };
    const answers = [
      (await http(t.url, 'POST', '/api/v1/auth/login', { body })).status,
      (await http(t.url, 'POST', '/api/v1/users/verify-credentials', { headers: service, body })).status,
      (await http(t.url, 'POST', '/users/verify-credentials', { headers: service, body })).status,
      (await http(t.url, 'POST', '/api/v1/auth/login', { body })).status,
    ];
    assert.deepEqual(answers, [401, 200, 200, 401]);
    for (const [method, path, extra] of [
      ['POST', '/api/v1/auth/login', {}],
      ['POST', '/api/v1/users/verify-credentials', { headers: service }],
      ['POST', '/users/verify-credentials', { headers: service }],
      ['POST', '/api/v1/auth/password/change', {}],
      ['DELETE', '/api/v1/users/me', {}],
    ] as const) {
      const res = await http(t.url, method, path, { ...extra, body });
      assert.equal(res.status, 429, `${method} ${path} once the shared login budget is spent`);
      assert.equal(res.body.error_code, 'COMMON_1029');
    }
  });

  it("spends the register budget on sign-up, the first version's sign-up and password/forgot together", async () => {
    const answers = [
      (await http(t.url, 'POST', '/api/v1/auth/register', { body: newIdentity() })).status,
      (await http(t.url, 'POST', '/api/v1/auth/password/forgot', { body: { email: 'nobody@example.com' } })).status,
      (await http(t.url, 'POST', '/users', { body: newIdentity() })).status,
    ];
    assert.deepEqual(answers, [201, 202, 429]);
  });
});

describe('rate-limit clients behind a trusted proxy', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({
      env: {
        RATE_LIMIT_ENABLED: 'true',
        RATE_LIMIT_LOGIN_PER_MINUTE: '2',
        RATE_LIMIT_PER_MINUTE: '1000',
        TRUST_PROXY: '127.0.0.1/32',
      },
    });
  });
  after(async () => {
    await t.close();
  });

  const loginFrom = async (forwardedFor: string) =>
    (
      await http(t.url, 'POST', '/api/v1/auth/login', {
        headers: { 'x-forwarded-for': forwardedFor },
        // A new address each time: the account lockout must not answer before the budget does.
        body: { email: `proxy-${newIdentity().username}@example.com`, password: WRONG },
      })
    ).status;

  it('counts an IPv6 /64 as one client, and a made-up forwarded value as the proxy itself', async () => {
    assert.deepEqual(
      [
        await loginFrom('2001:db8:aa:bb::1'),
        await loginFrom('2001:db8:aa:bb:ffff::2'),
        await loginFrom('2001:db8:aa:bb:1:2:3:4'),
      ],
      [401, 401, 429],
      'three addresses of one /64 share one budget',
    );
    assert.equal(await loginFrom('2001:db8:aa:cc::1'), 401, 'the next /64 is another client');
    assert.equal(await loginFrom('203.0.113.9'), 401);
    // Values that are not addresses cannot mint a fresh bucket each: they count as the peer.
    assert.deepEqual(
      [await loginFrom('garbage-1'), await loginFrom('unknown'), await loginFrom('_hidden')],
      [401, 401, 429],
    );
  });
});
