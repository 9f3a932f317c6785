import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestApp, TEST_EC_KEY, type TestApp } from '../utils/app.js';
import { sql } from '../utils/database.js';
import { newIdentity, registerAndLogin, setPasswordHash } from '../utils/factories.js';
import { http } from '../utils/http.js';
import { decodePayload, forgeJwt } from '../utils/jwt.js';
import { auditRowsOf } from '../utils/rows.js';

describe('authentication and sessions', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ env: { MAX_SESSIONS_PER_USER: '3' } });
  });
  after(async () => {
    await t.close();
  });

  it('runs register → login → me → refresh → reuse → revoked', async () => {
    const u = await registerAndLogin(t.url);
    const claims = decodePayload(u.access);
    for (const claim of ['sub', 'sid', 'role', 'email', 'iss', 'aud', 'iat', 'exp', 'jti'])
      assert.ok(claim in claims, claim);
    assert.equal(claims.sub, u.id);
    // JWT_ISSUER unset: the OpenID issuer URL, PUBLIC_URL + /oidc (contract §5).
    assert.equal(claims.iss, 'http://localhost:8000/oidc');
    assert.equal(u.refresh.length >= 43, true, 'refresh token carries at least 256 bits');

    const me = await http(t.url, 'GET', '/api/v1/users/me', { token: u.access });
    assert.equal(me.status, 200);
    assert.equal(me.body.id, u.id);
    assert.ok(me.body.last_login_at !== null);

    const refreshed = await http(t.url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: u.refresh } });
    assert.equal(refreshed.status, 200);
    assert.equal(refreshed.body.token_type, 'bearer');
    assert.equal(refreshed.body.expires_in, 900);
    assert.notEqual(refreshed.body.refresh_token, u.refresh);
    assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token: refreshed.body.access_token })).status, 200);

    const reuse = await http(t.url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: u.refresh } });
    assert.equal(reuse.status, 401);
    assert.equal(reuse.body.error_code, 'USER_1006');
    // The whole session ended: the new tokens are dead too.
    const after = await http(t.url, 'GET', '/api/v1/users/me', { token: refreshed.body.access_token });
    assert.equal(after.status, 401);
    assert.equal(after.body.error_code, 'USER_1006');
    const again = await http(t.url, 'POST', '/api/v1/auth/refresh', {
      body: { refresh_token: refreshed.body.refresh_token },
    });
    assert.equal(again.status, 401);
    const audit = await auditRowsOf(t.databaseUrl, 'security.refresh_reuse', u.id);
    assert.equal(audit.length, 1);
  });

  it('lets at most one of two concurrent refreshes with one token succeed', async () => {
    for (let round = 0; round < 5; round++) {
      const u = await registerAndLogin(t.url);
      const results = await Promise.all([
        http(t.url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: u.refresh } }),
        http(t.url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: u.refresh } }),
      ]);
      const ok = results.filter((r) => r.status === 200).length;
      assert.ok(ok <= 1, `round ${round}: ${results.map((r) => r.status).join(',')}`);
      assert.ok(results.every((r) => r.status === 200 || (r.status === 401 && r.body.error_code === 'USER_1006')));
    }
  });

  it('ends a session at once on logout, and every session on logout-all', async () => {
    const u = await registerAndLogin(t.url);
    const second = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: u.identity.email, password: u.identity.password },
    });
    assert.equal((await http(t.url, 'POST', '/api/v1/auth/logout', { token: u.access })).status, 204);
    const dead = await http(t.url, 'GET', '/api/v1/users/me', { token: u.access });
    assert.equal(dead.status, 401);
    assert.equal(dead.body.error_code, 'USER_1006');
    assert.equal(
      (await http(t.url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: u.refresh } })).status,
      401,
    );
    assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token: second.body.access_token })).status, 200);

    const third = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: u.identity.email, password: u.identity.password },
    });
    assert.equal(
      (await http(t.url, 'POST', '/api/v1/auth/logout-all', { token: third.body.access_token })).status,
      204,
    );
    for (const token of [second.body.access_token, third.body.access_token]) {
      assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token })).status, 401);
    }
  });

  it('lists sessions with the current one marked, deletes own, and hides others', async () => {
    const a = await registerAndLogin(t.url);
    const other = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: a.identity.email, password: a.identity.password },
      headers: { 'user-agent': 'second-device/1.0' },
    });
    const list = await http(t.url, 'GET', '/api/v1/sessions', { token: a.access });
    assert.equal(list.status, 200);
    assert.equal(list.body.length, 2);
    assert.equal(list.body.filter((s: { current: boolean }) => s.current).length, 1);
    const otherSid = decodePayload(other.body.access_token).sid as string;
    const entry = list.body.find((s: { id: string }) => s.id === otherSid);
    assert.equal(entry.user_agent, 'second-device/1.0');
    assert.deepEqual(Object.keys(entry).sort(), [
      'created_at',
      'current',
      'expires_at',
      'id',
      'ip_address',
      'last_used_at',
      'user_agent',
    ]);

    const b = await registerAndLogin(t.url);
    const foreign = await http(t.url, 'DELETE', `/api/v1/sessions/${otherSid}`, { token: b.access });
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.error_code, 'USER_1201');
    assert.equal((await http(t.url, 'DELETE', `/api/v1/sessions/${otherSid}`, { token: a.access })).status, 204);
    assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token: other.body.access_token })).status, 401);
    assert.equal((await http(t.url, 'DELETE', `/api/v1/sessions/${otherSid}`, { token: a.access })).status, 404);
    assert.equal((await http(t.url, 'DELETE', '/api/v1/sessions/not-a-uuid', { token: a.access })).status, 400);
  });

  it('ends the oldest session past MAX_SESSIONS_PER_USER', async () => {
    const u = await registerAndLogin(t.url);
    const tokens = [u.access];
    for (let i = 0; i < 3; i++) {
      const r = await http(t.url, 'POST', '/api/v1/auth/login', {
        body: { email: u.identity.email, password: u.identity.password },
      });
      tokens.push(r.body.access_token);
    }
    assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token: tokens[0] })).status, 401, 'the oldest ended');
    for (const token of tokens.slice(1))
      assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token })).status, 200);
    const list = await http(t.url, 'GET', '/api/v1/sessions', { token: tokens[3] });
    assert.equal(list.body.length, 3);
  });

  it('answers unknown email and wrong password the same way, and writes login history', async () => {
    const u = await registerAndLogin(t.url);
    const wrong = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: u.identity.email, password: 'Wrong-Pass-123' },
    });
    const unknown = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: `nobody-${u.id}@example.com`, password: 'Wrong-Pass-123' },
    });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.equal(wrong.body.error_code, 'USER_1001');
    assert.equal(unknown.body.error_code, 'USER_1001');
    assert.equal(wrong.body.message, unknown.body.message);
    const history = await sql<{ success: boolean; reason: string | null }>(
      t.databaseUrl,
      'SELECT success, reason FROM login_history WHERE user_id = $1 ORDER BY created_at',
      [u.id],
    );
    assert.deepEqual(
      history.map((h) => [h.success, h.reason]),
      [
        [true, null],
        [false, 'bad_password'],
      ],
    );
    const byUsername = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { username: u.identity.username.toUpperCase(), password: u.identity.password },
    });
    assert.equal(byUsername.status, 200);
  });

  it('re-hashes a password stored with older argon2 parameters on login', async () => {
    const id = newIdentity();
    const reg = await http(t.url, 'POST', '/api/v1/auth/register', { body: id });
    const { hash } = await import('@node-rs/argon2');
    const old = await hash(id.password, { memoryCost: 19456, timeCost: 3, parallelism: 1, algorithm: 2 });
    await setPasswordHash(t.databaseUrl, reg.body.id as string, old);
    const login = await http(t.url, 'POST', '/api/v1/auth/login', { body: { email: id.email, password: id.password } });
    assert.equal(login.status, 200);
    const rows = await sql<{ password_hash: string }>(t.databaseUrl, 'SELECT password_hash FROM users WHERE id = $1', [
      reg.body.id,
    ]);
    assert.notEqual(rows[0]?.password_hash, old);
    assert.match(rows[0]?.password_hash ?? '', /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('refuses forged, tampered, expired and foreign tokens', async () => {
    const u = await registerAndLogin(t.url);
    const jwks = await http(t.url, 'GET', '/.well-known/jwks.json');
    assert.equal(jwks.status, 200);
    const kid = jwks.body.keys[0].kid as string;
    assert.equal(jwks.body.keys[0].alg, 'ES256');
    assert.equal(jwks.body.keys[0].d, undefined, 'no private part published');
    const claims = decodePayload(u.access);
    const now = Math.floor(Date.now() / 1000);
    const good = { ...claims, iat: now, exp: now + 600 };
    const header = { alg: 'ES256', typ: 'JWT', kid };
    const publicPem = createPublicKey(TEST_EC_KEY).export({ type: 'spki', format: 'pem' });
    const cases: [string, string, string][] = [
      ['alg none', forgeJwt({ ...header, alg: 'none' }, good, { none: true }), 'USER_1006'],
      [
        'HS256 keyed with the public key',
        forgeJwt({ ...header, alg: 'HS256' }, good, { hmacSecret: publicPem }),
        'USER_1006',
      ],
      ['wrong issuer', forgeJwt(header, { ...good, iss: 'evil' }, { es256Pem: TEST_EC_KEY }), 'USER_1006'],
      ['wrong audience', forgeJwt(header, { ...good, aud: 'other' }, { es256Pem: TEST_EC_KEY }), 'USER_1006'],
      [
        'expired',
        forgeJwt(header, { ...good, iat: now - 7200, exp: now - 3600 }, { es256Pem: TEST_EC_KEY }),
        'USER_1005',
      ],
      ['unknown kid', forgeJwt({ ...header, kid: 'nope' }, good, { es256Pem: TEST_EC_KEY }), 'USER_1006'],
      [
        'tampered payload',
        `${u.access.split('.')[0]}.${Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')}.${u.access.split('.')[2]}`,
        'USER_1006',
      ],
      ['garbage', 'not.a.jwt', 'USER_1006'],
      ['no session claim', forgeJwt(header, { ...good, sid: undefined }, { es256Pem: TEST_EC_KEY }), 'USER_1006'],
    ];
    // Sanity: the hand-made good token is accepted, so each refusal below is for its one defect.
    assert.equal(
      (await http(t.url, 'GET', '/api/v1/users/me', { token: forgeJwt(header, good, { es256Pem: TEST_EC_KEY }) }))
        .status,
      200,
    );
    for (const [name, token, code] of cases) {
      const res = await http(t.url, 'GET', '/api/v1/users/me', { token });
      assert.equal(res.status, 401, name);
      assert.equal(res.body.error_code, code, name);
    }
    const none = await http(t.url, 'GET', '/api/v1/users/me');
    assert.equal(none.body.error_code, 'COMMON_1001');
    const basic = await http(t.url, 'GET', '/api/v1/users/me', { headers: { authorization: 'Basic abc' } });
    assert.equal(basic.status, 401);
  });

  it('shows full users to self and staff, public fields to others', async () => {
    const a = await registerAndLogin(t.url);
    const b = await registerAndLogin(t.url);
    const self = await http(t.url, 'GET', `/api/v1/users/${a.id}`, { token: a.access });
    assert.equal(self.body.email, a.identity.email);
    const other = await http(t.url, 'GET', `/api/v1/users/${a.id}`, { token: b.access });
    assert.deepEqual(Object.keys(other.body).sort(), ['created_at', 'id', 'name', 'username']);
    const byName = await http(t.url, 'GET', `/api/v1/users/by-username/${a.identity.username}`, { token: b.access });
    assert.equal(byName.body.id, a.id);
    assert.equal(byName.body.email, undefined);
    const missing = await http(t.url, 'GET', '/api/v1/users/00000000-0000-4000-8000-000000000000', { token: b.access });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error_code, 'USER_1101');
    const notUuid = await http(t.url, 'GET', '/api/v1/users/123', { token: b.access });
    assert.equal(notUuid.status, 400);
    assert.equal(notUuid.body.error_code, 'COMMON_1000');
    const patch = await http(t.url, 'PATCH', '/api/v1/users/me', {
      token: a.access,
      body: { name: 'New Name', region: 'Seoul', industry: 'Retail' },
    });
    assert.equal(patch.status, 200);
    assert.equal(patch.body.name, 'New Name');
    assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token: a.access })).body.region, 'Seoul');
    const forbidden = await http(t.url, 'PATCH', '/api/v1/users/me', { token: a.access, body: { role: 'admin' } });
    assert.equal(forbidden.status, 400);
    const list = await http(t.url, 'GET', '/api/v1/users', { token: a.access });
    assert.equal(list.status, 403);
    assert.equal(list.body.error_code, 'COMMON_1003');
  });
});
