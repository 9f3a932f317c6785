import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { toEnvelope } from '#src/modules/events/outbox-message.js';
import { startTestApp, testPrefix, type TestApp } from '../utils/app.js';
import { sql } from '../utils/database.js';
import { ajv, validate } from '../utils/event-schema.js';
import { type Account, createAndLogin, newIdentity, registerAndLogin, startWithAdmin } from '../utils/factories.js';
import { http, type Res } from '../utils/http.js';
import { auditRowsOf, outboxRowsOf } from '../utils/rows.js';
import { freshCode, hotp, totpAt, wrongCode } from '../utils/totp.js';

const ADMIN = { email: 'mfa-admin@example.com', password: 'Admin-Passw0rd-Long' };

/** The envelope the relay would publish for an outbox row, checked against docs/events. */
function assertSchemaValid(eventType: string, userId: string, payload: Record<string, unknown>): void {
  const envelope = toEnvelope({
    id: '1',
    eventId: randomUUID(),
    eventType,
    aggregateId: userId,
    payload,
    occurredAt: new Date(),
  });
  assert.ok(validate(envelope), `${eventType}: ${ajv.errorsText(validate.errors)}`);
}

interface Enrolled extends Account {
  secret: string;
  recoveryCodes: string[];
}

describe("the tests' own RFC 6238", () => {
  it('gives the SHA-1 codes of RFC 6238 appendix B', () => {
    // Secret "12345678901234567890" (ASCII), 8 digits, T0 = 0, X = 30 s.
    const key = Buffer.from('12345678901234567890', 'ascii');
    const vectors: [number, string][] = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ];
    for (const [seconds, code] of vectors) assert.equal(hotp(key, Math.floor(seconds / 30), 8), code, `T=${seconds}`);
    // The same key as base32, 6 digits: the last six digits of the vector.
    assert.equal(totpAt('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 1), '287082');
  });
});

describe('TOTP second factor', () => {
  let a: Awaited<ReturnType<typeof startWithAdmin>>;
  let b: TestApp;

  const login = (base: string, who: Account): Promise<Res> =>
    http(base, 'POST', '/api/v1/auth/login', { body: { email: who.identity.email, password: who.identity.password } });
  const secondStep = (base: string, body: Record<string, unknown>): Promise<Res> =>
    http(base, 'POST', '/api/v1/auth/login/mfa', { body });

  /** Registers, sets up and confirms TOTP; the session's token stays valid. */
  async function enrolled(base = a.t.url): Promise<Enrolled> {
    const who = await registerAndLogin(base, newIdentity('mfa'));
    const setup = await http(base, 'POST', '/api/v1/auth/mfa/totp/setup', { token: who.access });
    assert.equal(setup.status, 200, JSON.stringify(setup.body));
    const confirm = await http(base, 'POST', '/api/v1/auth/mfa/totp/confirm', {
      token: who.access,
      body: { code: freshCode(setup.body.secret) },
    });
    assert.equal(confirm.status, 200, JSON.stringify(confirm.body));
    return { ...who, secret: setup.body.secret, recoveryCodes: confirm.body.recovery_codes };
  }

  async function mfaToken(base: string, who: Account): Promise<string> {
    const res = await login(base, who);
    assert.equal(res.status, 200);
    assert.equal(res.body.mfa_required, true);
    return res.body.mfa_token as string;
  }

  before(async () => {
    const prefix = testPrefix();
    a = await startWithAdmin(ADMIN, { redisPrefix: prefix });
    b = await startTestApp({ redisPrefix: prefix, databaseUrl: a.t.databaseUrl });
  });
  after(async () => {
    await b.close();
    await a.close();
  });

  it('enrols: setup gives a secret, its otpauth URL and a QR code; confirm turns MFA on and gives 10 recovery codes', async () => {
    const who = await registerAndLogin(a.t.url, newIdentity('enrol'));
    const first = await http(a.t.url, 'POST', '/api/v1/auth/mfa/totp/setup', { token: who.access });
    assert.equal(first.status, 200);
    assert.match(first.body.secret, /^[A-Z2-7]{32}$/);
    const url = new URL(first.body.otpauth_url as string);
    assert.equal(url.protocol, 'otpauth:');
    assert.equal(url.host, 'totp');
    assert.equal(url.searchParams.get('secret'), first.body.secret);
    assert.equal(url.searchParams.get('issuer'), 'user-service');
    assert.equal(url.searchParams.get('digits'), '6');
    assert.equal(url.searchParams.get('period'), '30');
    assert.match(first.body.qr_svg, /<svg[\s\S]*<\/svg>\s*$/);
    assert.equal((await http(a.t.url, 'GET', '/api/v1/users/me', { token: who.access })).body.mfa_enabled, false);

    // A new setup replaces the unconfirmed one: the first secret's codes no longer confirm.
    const second = await http(a.t.url, 'POST', '/api/v1/auth/mfa/totp/setup', { token: who.access });
    assert.notEqual(second.body.secret, first.body.secret);
    const stale = await http(a.t.url, 'POST', '/api/v1/auth/mfa/totp/confirm', {
      token: who.access,
      body: { code: freshCode(first.body.secret) },
    });
    assert.equal(stale.status, 401);
    assert.equal(stale.body.error_code, 'USER_1401');
    const wrong = await http(a.t.url, 'POST', '/api/v1/auth/mfa/totp/confirm', {
      token: who.access,
      body: { code: wrongCode(second.body.secret) },
    });
    assert.equal(wrong.body.error_code, 'USER_1401');

    const confirm = await http(a.t.url, 'POST', '/api/v1/auth/mfa/totp/confirm', {
      token: who.access,
      body: { code: freshCode(second.body.secret) },
    });
    assert.equal(confirm.status, 200);
    const codes = confirm.body.recovery_codes as string[];
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const c of codes) assert.match(c, /^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/, '16 symbols of 32: 80 bits');
    assert.equal((await http(a.t.url, 'GET', '/api/v1/users/me', { token: who.access })).body.mfa_enabled, true);

    const again = await http(a.t.url, 'POST', '/api/v1/auth/mfa/totp/setup', { token: who.access });
    assert.equal(again.status, 409);
    assert.equal(again.body.error_code, 'USER_1403');

    const [event] = await outboxRowsOf(a.t.databaseUrl, 'user.mfa_enabled', who.id);
    assert.deepEqual(event?.payload, { user_id: who.id });
    assertSchemaValid('user.mfa_enabled', who.id, event.payload);
    assert.equal((await auditRowsOf(a.t.databaseUrl, 'mfa.setup', who.id)).length, 2);
    assert.equal((await auditRowsOf(a.t.databaseUrl, 'mfa.confirm', who.id)).length, 1);
  });

  it('stores the secret encrypted and the recovery codes hashed: neither is readable in the database', async () => {
    const who = await enrolled();
    const [row] = await sql<{ secret_ciphertext: string; confirmed_at: Date | null }>(
      a.t.databaseUrl,
      'SELECT secret_ciphertext, confirmed_at FROM mfa_totp_secrets WHERE user_id = $1',
      [who.id],
    );
    assert.ok(row?.confirmed_at instanceof Date);
    const stored = row.secret_ciphertext;
    assert.match(stored, /^v1\.[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+$/);
    const raw = Buffer.from(who.secret.replace(/=+$/, ''), 'ascii');
    for (const form of [who.secret, who.secret.toLowerCase(), raw.toString('hex'), raw.toString('base64')]) {
      assert.ok(!stored.includes(form), 'the secret is not in the row in any plain form');
    }
    const hashes = await sql<{ code_hash: string }>(
      a.t.databaseUrl,
      'SELECT code_hash FROM mfa_recovery_codes WHERE user_id = $1',
      [who.id],
    );
    assert.equal(hashes.length, 10);
    for (const { code_hash } of hashes) {
      assert.match(code_hash, /^[0-9a-f]{64}$/);
      for (const c of who.recoveryCodes) assert.ok(!code_hash.includes(c.replace(/-/g, '')));
    }
    // Nor is it in the export: that says only that MFA is on.
    const exported = await http(a.t.url, 'GET', '/api/v1/users/me/export', { token: who.access });
    assert.equal(exported.body.profile.mfa_enabled, true);
    assert.ok(!JSON.stringify(exported.body).includes(who.secret));
  });

  it('logs in with a code: no tokens from the password alone, then tokens for the code; the mfa_token works once', async () => {
    const who = await enrolled();
    const first = await login(a.t.url, who);
    assert.equal(first.status, 200);
    assert.deepEqual(Object.keys(first.body as object).sort(), [
      'expires_in',
      'mfa_methods',
      'mfa_required',
      'mfa_token',
    ]);
    assert.deepEqual(first.body.mfa_methods, ['totp', 'recovery_code']);
    assert.equal(first.body.expires_in, 300);
    const done = await secondStep(a.t.url, { mfa_token: first.body.mfa_token, code: freshCode(who.secret) });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.token_type, 'bearer');
    assert.equal((await http(a.t.url, 'GET', '/api/v1/users/me', { token: done.body.access_token })).status, 200);

    const reused = await secondStep(a.t.url, { mfa_token: first.body.mfa_token, code: freshCode(who.secret) });
    assert.equal(reused.status, 401);
    assert.equal(reused.body.error_code, 'USER_1006');
    const unknown = await secondStep(a.t.url, { mfa_token: 'x'.repeat(43), code: '123456' });
    assert.equal(unknown.body.error_code, 'USER_1006');
    const missing = await secondStep(a.t.url, { mfa_token: first.body.mfa_token });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error_code, 'COMMON_1000');
  });

  it('refuses a code presented again, on the other instance', async () => {
    const who = await enrolled();
    const code = freshCode(who.secret);
    const onA = await secondStep(a.t.url, { mfa_token: await mfaToken(a.t.url, who), code });
    assert.equal(onA.status, 200);
    const onB = await secondStep(b.url, { mfa_token: await mfaToken(b.url, who), code });
    assert.equal(onB.status, 401);
    assert.equal(onB.body.error_code, 'USER_1401');
  });

  it('logs in with a recovery code, once: the code is spent and its use audited', async () => {
    const who = await enrolled();
    const [code] = who.recoveryCodes as [string];
    const ok = await secondStep(b.url, { mfa_token: await mfaToken(b.url, who), recovery_code: code.toUpperCase() });
    assert.equal(ok.status, 200, 'case and dashes do not matter');
    const again = await secondStep(a.t.url, { mfa_token: await mfaToken(a.t.url, who), recovery_code: code });
    assert.equal(again.status, 401);
    assert.equal(again.body.error_code, 'USER_1401');
    assert.equal((await auditRowsOf(a.t.databaseUrl, 'mfa.recovery_code_used', who.id)).length, 1);
  });

  it('counts wrong codes in the account lockout: the fifth locks (423), and the password login too', async () => {
    const who = await enrolled();
    const token = await mfaToken(a.t.url, who);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        (await secondStep(i % 2 === 0 ? a.t.url : b.url, { mfa_token: token, code: wrongCode(who.secret) })).status,
      );
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401]);
    const locked = await secondStep(a.t.url, { mfa_token: token, code: freshCode(who.secret) });
    assert.equal(locked.status, 423);
    assert.equal(locked.body.error_code, 'USER_1003');
    assert.equal((await login(b.url, who)).body.error_code, 'USER_1003');
  });

  it('binds the mfa_token to the password check: a password change in between kills it', async () => {
    const who = await enrolled();
    const token = await mfaToken(a.t.url, who);
    const newPassword = 'Another-Passw0rd-9';
    const change = await http(a.t.url, 'POST', '/api/v1/auth/password/change', {
      token: who.access,
      body: { current_password: who.identity.password, new_password: newPassword, code: freshCode(who.secret) },
    });
    assert.equal(change.status, 204);
    const stale = await secondStep(a.t.url, { mfa_token: token, code: freshCode(who.secret) });
    assert.equal(stale.status, 401);
    assert.equal(stale.body.error_code, 'USER_1006');
  });

  it('asks a second factor for password change, account deletion and the MFA routes (401 USER_1401 without)', async () => {
    const changer = await enrolled();
    const body = { current_password: changer.identity.password, new_password: 'Changed-Passw0rd-1' };
    const noCode = await http(a.t.url, 'POST', '/api/v1/auth/password/change', { token: changer.access, body });
    assert.equal(noCode.status, 401);
    assert.equal(noCode.body.error_code, 'USER_1401');
    const badCode = await http(a.t.url, 'POST', '/api/v1/auth/password/change', {
      token: changer.access,
      body: { ...body, code: wrongCode(changer.secret) },
    });
    assert.equal(badCode.body.error_code, 'USER_1401');
    const withCode = await http(a.t.url, 'POST', '/api/v1/auth/password/change', {
      token: changer.access,
      body: { ...body, code: freshCode(changer.secret) },
    });
    assert.equal(withCode.status, 204);

    const leaver = await enrolled();
    const del = (extra: Record<string, string>): Promise<Res> =>
      http(a.t.url, 'DELETE', '/api/v1/users/me', {
        token: leaver.access,
        body: { password: leaver.identity.password, ...extra },
      });
    assert.equal((await del({})).body.error_code, 'USER_1401');
    assert.equal((await del({ recovery_code: leaver.recoveryCodes[0] })).status, 204);
    const left = await sql(
      a.t.databaseUrl,
      'SELECT 1 FROM mfa_totp_secrets WHERE user_id = $1 UNION ALL SELECT 1 FROM mfa_recovery_codes WHERE user_id = $1',
      [leaver.id],
    );
    assert.equal(left.length, 0, 'erasure deletes the MFA rows');

    const regen = await enrolled();
    const regenerate = (extra: Record<string, string>): Promise<Res> =>
      http(a.t.url, 'POST', '/api/v1/auth/mfa/recovery-codes', {
        token: regen.access,
        body: { password: regen.identity.password, ...extra },
      });
    assert.equal((await regenerate({})).body.error_code, 'USER_1401');
    const fresh = await regenerate({ code: freshCode(regen.secret) });
    assert.equal(fresh.status, 200);
    assert.equal(fresh.body.recovery_codes.length, 10);
    const old = await secondStep(a.t.url, {
      mfa_token: await mfaToken(a.t.url, regen),
      recovery_code: regen.recoveryCodes[1],
    });
    assert.equal(old.body.error_code, 'USER_1401', 'the old set stops working');
    assert.equal((await auditRowsOf(a.t.databaseUrl, 'mfa.recovery_codes_regenerated', regen.id)).length, 1);

    const quitter = await enrolled();
    const disable = (extra: Record<string, string>): Promise<Res> =>
      http(a.t.url, 'DELETE', '/api/v1/auth/mfa/totp', {
        token: quitter.access,
        body: { password: quitter.identity.password, ...extra },
      });
    assert.equal((await disable({})).body.error_code, 'USER_1401');
    assert.equal((await disable({ code: wrongCode(quitter.secret) })).body.error_code, 'USER_1401');
    assert.equal((await disable({ code: freshCode(quitter.secret) })).status, 204);
    assert.equal((await http(a.t.url, 'GET', '/api/v1/users/me', { token: quitter.access })).body.mfa_enabled, false);
    assert.equal((await login(a.t.url, quitter)).body.token_type, 'bearer', 'tokens at once again');
    const notActive = await disable({ code: '000000' });
    assert.equal(notActive.status, 400);
    assert.equal(notActive.body.error_code, 'USER_1404');
    const [event] = await outboxRowsOf(a.t.databaseUrl, 'user.mfa_disabled', quitter.id);
    assert.deepEqual(event?.payload, { user_id: quitter.id, actor_id: null, reason: 'disabled' });
    assertSchemaValid('user.mfa_disabled', quitter.id, event.payload);
    assert.equal((await auditRowsOf(a.t.databaseUrl, 'mfa.disable', quitter.id)).length, 1);
  });

  it('lets an admin reset a lost device: MFA off, every session ended, audited', async () => {
    const who = await enrolled();
    const plain = await registerAndLogin(a.t.url);
    const notAdmin = await http(a.t.url, 'DELETE', `/api/v1/users/${who.id}/mfa`, { token: plain.access });
    assert.equal(notAdmin.body.error_code, 'COMMON_1003');
    const reset = await http(a.t.url, 'DELETE', `/api/v1/users/${who.id}/mfa`, { token: a.admin });
    assert.equal(reset.status, 204);
    const ended = await http(b.url, 'GET', '/api/v1/users/me', { token: who.access });
    assert.equal(ended.body.error_code, 'USER_1006');
    const fresh = await login(a.t.url, who);
    assert.equal(fresh.body.token_type, 'bearer');
    const me = await http(a.t.url, 'GET', '/api/v1/users/me', { token: fresh.body.access_token });
    assert.equal(me.body.mfa_enabled, false);
    const adminView = await http(a.t.url, 'GET', `/api/v1/users/${who.id}`, { token: a.admin });
    assert.equal(adminView.body.mfa_enabled, false);
    const again = await http(a.t.url, 'DELETE', `/api/v1/users/${who.id}/mfa`, { token: a.admin });
    assert.equal(again.body.error_code, 'USER_1404');
    const [event] = await outboxRowsOf(a.t.databaseUrl, 'user.mfa_disabled', who.id);
    assert.deepEqual(event?.payload, { user_id: who.id, actor_id: a.adminId, reason: 'admin_reset' });
    assertSchemaValid('user.mfa_disabled', who.id, event.payload);
    assert.equal((await auditRowsOf(a.t.databaseUrl, 'mfa.admin_reset', who.id)).length, 1);
  });

  it('holds users of MFA_REQUIRED_ROLES to enrolment: 403 USER_1402 except setup, confirm, users/me, logout and sessions', async () => {
    const strict = await startTestApp({
      databaseUrl: a.t.databaseUrl,
      redisPrefix: testPrefix(),
      env: { MFA_REQUIRED_ROLES: 'moderator,admin' },
    });
    try {
      // Created through the ordinary instance: the admin is held on this one too (below).
      const created = await createAndLogin(a.t.url, a.admin, newIdentity('mod'), 'moderator');
      const signIn = await login(strict.url, created);
      assert.equal(signIn.body.token_type, 'bearer', 'a held user still logs in');
      const mod = { ...created, access: signIn.body.access_token as string };
      const adminList = await http(strict.url, 'GET', '/api/v1/users', { token: a.admin });
      assert.equal(adminList.body.error_code, 'USER_1402', 'an admin without MFA is held as well');
      const get = (path: string): Promise<Res> => http(strict.url, 'GET', path, { token: mod.access });
      assert.equal((await get('/api/v1/users/me')).status, 200);
      assert.equal((await get('/api/v1/sessions')).status, 200);
      const blocked = await get(`/api/v1/users/${mod.id}`);
      assert.equal(blocked.status, 403);
      assert.equal(blocked.body.error_code, 'USER_1402');
      const patch = await http(strict.url, 'PATCH', '/api/v1/users/me', { token: mod.access, body: { region: 'EU' } });
      assert.equal(patch.body.error_code, 'USER_1402');
      // A plain user is not held.
      const plain = await registerAndLogin(strict.url);
      assert.equal((await http(strict.url, 'GET', `/api/v1/users/${plain.id}`, { token: plain.access })).status, 200);

      const setup = await http(strict.url, 'POST', '/api/v1/auth/mfa/totp/setup', { token: mod.access });
      assert.equal(setup.status, 200);
      const confirm = await http(strict.url, 'POST', '/api/v1/auth/mfa/totp/confirm', {
        token: mod.access,
        body: { code: freshCode(setup.body.secret) },
      });
      assert.equal(confirm.status, 200);
      assert.equal((await get(`/api/v1/users/${mod.id}`)).status, 200, 'confirmed: every route again');
      assert.equal((await http(strict.url, 'POST', '/api/v1/auth/logout', { token: mod.access })).status, 204);
    } finally {
      await strict.close();
    }
  });

  it('lets a held user log out before enrolling', async () => {
    const strict = await startTestApp({
      databaseUrl: a.t.databaseUrl,
      redisPrefix: testPrefix(),
      env: { MFA_REQUIRED_ROLES: 'moderator' },
    });
    try {
      const created = await createAndLogin(a.t.url, a.admin, newIdentity('mod'), 'moderator');
      const signIn = await login(strict.url, created);
      const token = signIn.body.access_token as string;
      assert.equal((await http(strict.url, 'GET', '/api/v1/sessions', { token })).status, 200);
      assert.equal((await http(strict.url, 'POST', '/api/v1/auth/logout-all', { token })).status, 204);
    } finally {
      await strict.close();
    }
  });

  it('describes the routes in the OpenAPI document, the login answering tokens or mfa_required', async () => {
    const doc = (await http(a.t.url, 'GET', '/docs-json')).body as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
      >;
      components: { schemas: Record<string, { properties: Record<string, { example?: unknown }> }> };
    };
    for (const [path, method] of [
      ['/api/v1/auth/mfa/totp/setup', 'post'],
      ['/api/v1/auth/mfa/totp/confirm', 'post'],
      ['/api/v1/auth/login/mfa', 'post'],
      ['/api/v1/auth/mfa/recovery-codes', 'post'],
      ['/api/v1/auth/mfa/totp', 'delete'],
      ['/api/v1/users/{id}/mfa', 'delete'],
    ] as const) {
      assert.ok(doc.paths[path]?.[method] !== undefined, `${method} ${path}`);
    }
    const loginOk = doc.paths['/api/v1/auth/login']?.post?.responses['200']?.content?.['application/json']?.schema;
    assert.deepEqual(loginOk, {
      oneOf: [
        { $ref: '#/components/schemas/TokenResponseDto' },
        { $ref: '#/components/schemas/MfaRequiredResponseDto' },
      ],
    });
    assert.ok(doc.components.schemas.TotpSetupResponseDto?.properties.otpauth_url?.example);
    assert.ok(doc.components.schemas.MfaRequiredResponseDto?.properties.mfa_token?.example);
    assert.ok(doc.components.schemas.UserResponseDto?.properties.mfa_enabled !== undefined);
  });
});

describe('TOTP second factor without Redis (the in-process store of embedded mode)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ noRedis: true });
  });
  after(async () => {
    await t.close();
  });

  it('enrols, logs in with a code and refuses the code again', async () => {
    const who = await registerAndLogin(t.url);
    const setup = await http(t.url, 'POST', '/api/v1/auth/mfa/totp/setup', { token: who.access });
    const secret = setup.body.secret as string;
    assert.equal(
      (
        await http(t.url, 'POST', '/api/v1/auth/mfa/totp/confirm', {
          token: who.access,
          body: { code: freshCode(secret) },
        })
      ).status,
      200,
    );
    const body = { email: who.identity.email, password: who.identity.password };
    const code = freshCode(secret);
    const first = await http(t.url, 'POST', '/api/v1/auth/login', { body });
    const ok = await http(t.url, 'POST', '/api/v1/auth/login/mfa', { body: { mfa_token: first.body.mfa_token, code } });
    assert.equal(ok.status, 200);
    const second = await http(t.url, 'POST', '/api/v1/auth/login', { body });
    const replay = await http(t.url, 'POST', '/api/v1/auth/login/mfa', {
      body: { mfa_token: second.body.mfa_token, code },
    });
    assert.equal(replay.body.error_code, 'USER_1401');
  });
});
