import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../utils/app.js';
import { newIdentity, registerAndLogin } from '../utils/factories.js';
import { http } from '../utils/http.js';
import { auditRowsOf, outboxRowsOf } from '../utils/rows.js';
import { startSmtp, tokenFrom } from '../utils/smtp.js';

const SERVICE_TOKEN = 'svc-token-for-tests-0123456789';
const ADMIN = { email: 'lock-admin@example.com', password: 'Admin-Passw0rd-Long' };

describe('lockout, service tokens and legacy routes', () => {
  let t: TestApp;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  before(async () => {
    smtp = await startSmtp();
    t = await startTestApp({
      env: {
        SMTP_URL: smtp.url,
        MAX_LOGIN_ATTEMPTS: '3',
        ACCOUNT_LOCKOUT_DURATION_MINUTES: '15',
        ALLOWED_API_TOKENS: `other-token-abcdefghij,${SERVICE_TOKEN}`,
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
      },
    });
  });
  after(async () => {
    await t.close();
    await smtp.close();
  });

  const login = (email: string, password: string) =>
    http(t.url, 'POST', '/api/v1/auth/login', { body: { email, password } });

  it('locks an email after MAX_LOGIN_ATTEMPTS failures with 423 and Retry-After, even for the right password', async () => {
    const u = await registerAndLogin(t.url);
    for (let i = 0; i < 3; i++) assert.equal((await login(u.identity.email, 'Wrong-Pass-123')).status, 401);
    const locked = await login(u.identity.email, u.identity.password);
    assert.equal(locked.status, 423);
    assert.equal(locked.body.error_code, 'USER_1003');
    const retry = Number(locked.headers.get('retry-after'));
    assert.ok(retry > 800 && retry <= 900, `Retry-After ${retry}`);
    const events = await outboxRowsOf(t.databaseUrl, 'user.locked', u.id);
    assert.equal(events.length, 1);
    const audit = await auditRowsOf(t.databaseUrl, 'security.lockout', u.id);
    assert.equal(audit.length, 1);
  });

  it('locks emails that have no account the same way', async () => {
    const email = `ghost-${newIdentity().username}@example.com`;
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await login(email, 'Wrong-Pass-123')).status);
    assert.deepEqual(answers, [401, 401, 401, 423]);
  });

  it('resets the count on success (consecutive failures only)', async () => {
    const u = await registerAndLogin(t.url);
    for (let round = 0; round < 3; round++) {
      assert.equal((await login(u.identity.email, 'Wrong-Pass-123')).status, 401);
      assert.equal((await login(u.identity.email, 'Wrong-Pass-123')).status, 401);
      assert.equal((await login(u.identity.email, u.identity.password)).status, 200);
    }
  });

  it('lets an admin unlock, and a password reset clears the lock', async () => {
    const admin = (await login(ADMIN.email, ADMIN.password)).body.access_token as string;
    const u = await registerAndLogin(t.url);
    for (let i = 0; i < 3; i++) await login(u.identity.email, 'Wrong-Pass-123');
    assert.equal((await login(u.identity.email, u.identity.password)).status, 423);
    assert.equal((await http(t.url, 'POST', `/api/v1/users/${u.id}/unlock`, { token: admin })).status, 204);
    assert.equal((await login(u.identity.email, u.identity.password)).status, 200);

    for (let i = 0; i < 3; i++) await login(u.identity.email, 'Wrong-Pass-123');
    assert.equal((await login(u.identity.email, u.identity.password)).status, 423);
    assert.equal(
      (await http(t.url, 'POST', '/api/v1/auth/password/forgot', { body: { email: u.identity.email } })).status,
      202,
    );
    const mails = await smtp.waitFor(u.identity.email, 2);
    const token = tokenFrom(
      mails.find((m) => m.text.includes('reset-password'))!,
      'reset-password',
    );
    assert.equal(
      (await http(t.url, 'POST', '/api/v1/auth/password/reset', { body: { token, new_password: 'Reset-Passw0rd-9' } }))
        .status,
      204,
    );
    assert.equal((await login(u.identity.email, 'Reset-Passw0rd-9')).status, 200);
  });

  it('checks credentials for services with X-Service-Token; failures count towards the lockout', async () => {
    const u = await registerAndLogin(t.url);
    const headers = { 'x-service-token': SERVICE_TOKEN };
    const ok = await http(t.url, 'POST', '/api/v1/users/verify-credentials', {
      headers,
      body: { email: u.identity.email, password: u.identity.password },
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.valid, true);
    assert.equal(ok.body.user.id, u.id);
    const bad = await http(t.url, 'POST', '/api/v1/users/verify-credentials', {
      headers,
      body: { username: u.identity.username, password: 'nope' },
    });
    assert.deepEqual(bad.body, { valid: false });
    const noToken = await http(t.url, 'POST', '/api/v1/users/verify-credentials', {
      body: { email: u.identity.email, password: u.identity.password },
    });
    assert.equal(noToken.status, 401);
    const wrongToken = await http(t.url, 'POST', '/api/v1/users/verify-credentials', {
      headers: { 'x-service-token': `${SERVICE_TOKEN}x` },
      body: { email: u.identity.email, password: u.identity.password },
    });
    assert.equal(wrongToken.status, 401);
    const bearer = await http(t.url, 'POST', '/api/v1/users/verify-credentials', {
      token: u.access,
      body: { email: u.identity.email, password: u.identity.password },
    });
    assert.equal(bearer.status, 401, 'a user token is not a service token');
    for (let i = 0; i < 3; i++) {
      await http(t.url, 'POST', '/api/v1/users/verify-credentials', {
        headers,
        body: { email: u.identity.email, password: 'nope' },
      });
    }
    const locked = await http(t.url, 'POST', '/api/v1/users/verify-credentials', {
      headers,
      body: { email: u.identity.email, password: u.identity.password },
    });
    assert.equal(locked.status, 423);
    const byName = await http(t.url, 'GET', `/api/v1/users/by-username/${u.identity.username}`, { headers });
    assert.equal(byName.status, 200);
    assert.equal(byName.body.email, u.identity.email, 'services see the full user');
  });

  it("serves the first version's routes from the same services", async () => {
    const id = newIdentity('legacy');
    const created = await http(t.url, 'POST', '/users', {
      body: { username: id.username, email: id.email, password: id.password },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.username, id.username);
    assert.equal(created.body.name, id.username);
    const dup = await http(t.url, 'POST', '/users', {
      body: { username: `${id.username}x`.slice(0, 32), email: id.email, password: id.password },
    });
    assert.equal(dup.body.error_code, 'USER_1102');
    const headers = { 'x-service-token': SERVICE_TOKEN };
    const byName = await http(t.url, 'GET', `/users/${id.username}`, { headers });
    assert.equal(byName.status, 200);
    assert.equal(byName.body.id, created.body.id);
    assert.equal((await http(t.url, 'GET', `/users/${id.username}`)).status, 401);
    const check = await http(t.url, 'POST', '/users/verify-credentials', {
      headers,
      body: { username: id.username, password: id.password },
    });
    assert.equal(check.body.valid, true);
    assert.deepEqual(await (await fetch(`${t.url}/health`)).json(), { status: 'ok' });
  });
});

describe('rate limits', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({
      env: {
        RATE_LIMIT_ENABLED: 'true',
        RATE_LIMIT_LOGIN_PER_MINUTE: '4',
        RATE_LIMIT_REGISTER_PER_HOUR: '2',
        RATE_LIMIT_PER_MINUTE: '1000',
      },
    });
  });
  after(async () => {
    await t.close();
  });

  it('limits logins per IP with 429 COMMON_1029 and Retry-After', async () => {
    const statuses = [];
    let last;
    for (let i = 0; i < 6; i++) {
      last = await http(t.url, 'POST', '/api/v1/auth/login', {
        body: { email: `rl-${i}@example.com`, password: 'Wrong-Pass-123' },
      });
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429]);
    assert.equal(last?.body.error_code, 'COMMON_1029');
    const retry = Number(last?.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    assert.equal((await http(t.url, 'GET', '/health/liveness')).status, 200, 'other routes are not affected');
  });

  it('limits registrations per IP per hour', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await http(t.url, 'POST', '/api/v1/auth/register', { body: newIdentity() })).status);
    assert.deepEqual(statuses, [201, 201, 429]);
  });
});
