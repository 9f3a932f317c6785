import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { freePort } from '../utils/app.js';
import { sql } from '../utils/database.js';
import { type AppWithAdmin, newIdentity, registerAndLogin, startWithAdmin } from '../utils/factories.js';
import { http } from '../utils/http.js';
import { FormBrowser, formAction, hiddenFields } from '../utils/oidc-browser.js';
import { freshCode, wrongCode } from '../utils/totp.js';
import { outboxRowsOf } from '../utils/rows.js';

const ADMIN = { email: 'oidc-admin@example.com', password: 'Admin-Passw0rd-Long' };
const REDIRECT = 'https://rp.example.com/callback';
const insecure = { execute: [oidc.allowInsecureRequests] };
/** assert.rejects' check for an OAuth error answer of openid-client. */
const oauthError =
  (code: string) =>
  (error: unknown): boolean =>
    (error as { error?: string }).error === code;

describe('OpenID Connect provider (openid-client as the relying party)', () => {
  let s: AppWithAdmin;
  let base: string;
  let issuer: URL;

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    s = await startWithAdmin(ADMIN, { port, env: { PUBLIC_URL: base, MAX_LOGIN_ATTEMPTS: '3' } });
    issuer = new URL(`${base}/oidc`);
  });
  after(async () => {
    await s.close();
  });

  async function registerClient(body: Record<string, unknown>) {
    const res = await http(base, 'POST', '/api/v1/oauth-clients', { token: s.admin, body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { client_id: string; client_secret: string | null };
  }

  /** Code + PKCE through the hosted sign-in, driven with form POSTs; answers the callback URL. */
  async function signIn(
    config: oidc.Configuration,
    credentials: { email: string; password: string },
    scope = 'openid email profile',
  ) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope,
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const browser = new FormBrowser();
    const page = await browser.go(url.href);
    assert.equal(page.status, 200, page.body);
    assert.match(page.url, /\/oidc\/interaction\//);
    let done = await browser.go(new URL(formAction(page.body, '/login'), base).href, {
      method: 'POST',
      form: { ...hiddenFields(page.body, '/login'), identifier: credentials.email, password: credentials.password },
    });
    // A third-party client: the consent page next.
    if (done.status === 200 && done.body.includes('/consent"')) {
      done = await browser.go(new URL(formAction(done.body, '/consent'), base).href, {
        method: 'POST',
        form: { ...hiddenFields(done.body, '/consent'), decision: 'allow' },
      });
    }
    return { browser, done, verifier, state };
  }

  it('serves discovery at the issuer and at the root, with our JWKS', async () => {
    const atIssuer = await http(base, 'GET', '/oidc/.well-known/openid-configuration');
    assert.equal(atIssuer.status, 200);
    assert.equal(atIssuer.body.issuer, issuer.href.replace(/\/$/, ''));
    const atRoot = await http(base, 'GET', '/.well-known/openid-configuration');
    assert.deepEqual(atRoot.body, atIssuer.body);
    assert.deepEqual(atIssuer.body.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(atIssuer.body.response_types_supported, ['code']);
    assert.ok(!atIssuer.body.grant_types_supported.includes('password'));
    const jwks = await http(base, 'GET', '/oidc/jwks');
    const ours = await http(base, 'GET', '/.well-known/jwks.json');
    assert.deepEqual(jwks.body, ours.body, 'the same keys as /api/v1 tokens');
  });

  it('code + PKCE, ID token, userinfo, refresh rotation with reuse detection; user.logged_in names the client', async () => {
    const rp = await registerClient({
      name: 'RP',
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
    });
    const config = await oidc.discovery(issuer, rp.client_id, rp.client_secret as string, undefined, insecure);
    const user = await registerAndLogin(base);
    const { done, verifier, state } = await signIn(config, user.identity);
    assert.ok(done.location?.startsWith(REDIRECT), `redirected to the RP: ${done.status} ${done.body.slice(0, 300)}`);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(done.location as string), {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    const claims = tokens.claims();
    assert.equal(claims?.sub, user.id);
    assert.equal(claims?.iss, issuer.href.replace(/\/$/, ''));
    const info = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
    assert.equal(info.email, user.identity.email);

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token as string);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token, 'rotated');
    await assert.rejects(
      oidc.refreshTokenGrant(config, tokens.refresh_token as string),
      oauthError('invalid_grant'),
      'reuse refused',
    );
    await assert.rejects(
      oidc.refreshTokenGrant(config, refreshed.refresh_token as string),
      oauthError('invalid_grant'),
      'reuse revoked the grant',
    );

    const logins = await outboxRowsOf(s.t.databaseUrl, 'user.logged_in', user.id);
    assert.ok(
      logins.some((e) => JSON.stringify(e.payload).includes(`"client_id":"${rp.client_id}"`)),
      'the OIDC sign-in carries the client id',
    );
  });

  it('introspection reads active, then inactive at once when our session is revoked; userinfo and refresh refuse', async () => {
    const rp = await registerClient({
      name: 'RP2',
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
    });
    const config = await oidc.discovery(issuer, rp.client_id, rp.client_secret as string, undefined, insecure);
    const user = await registerAndLogin(base);
    const { done, verifier, state } = await signIn(config, user.identity);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(done.location as string), {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    const live = await oidc.tokenIntrospection(config, tokens.access_token);
    assert.equal(live.active, true);
    assert.equal(live.sub, user.id);

    const sessions = await http(base, 'GET', '/api/v1/sessions', { token: user.access });
    const oidcSession = (sessions.body as { id: string; current: boolean }[]).find((x) => !x.current);
    assert.ok(oidcSession !== undefined, 'the sign-in opened one of our sessions');
    assert.equal(
      (await http(base, 'DELETE', `/api/v1/sessions/${oidcSession.id}`, { token: user.access })).status,
      204,
    );

    assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, false, 'inactive at once');
    assert.equal((await oidc.tokenIntrospection(config, tokens.refresh_token as string)).active, false);
    await assert.rejects(oidc.fetchUserInfo(config, tokens.access_token, user.id));
    await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token as string), oauthError('invalid_grant'));
  });

  it('client_credentials: the audience and scopes of the client; revocation; introspection of forged tokens', async () => {
    const svc = await registerClient({
      name: 'Service',
      redirect_uris: [],
      grant_types: ['client_credentials'],
      scopes: ['orders:read'],
      audience: 'https://orders.example.com',
    });
    const config = await oidc.discovery(issuer, svc.client_id, svc.client_secret as string, undefined, insecure);
    const token = await oidc.clientCredentialsGrant(config, { scope: 'orders:read' });
    const info = await oidc.tokenIntrospection(config, token.access_token);
    assert.equal(info.active, true);
    assert.equal(info.aud, 'https://orders.example.com');
    assert.equal(info.scope, 'orders:read');
    await assert.rejects(
      oidc.clientCredentialsGrant(config, { resource: 'https://other.example.com' }),
      oauthError('invalid_target'),
    );

    await oidc.tokenRevocation(config, token.access_token);
    assert.equal((await oidc.tokenIntrospection(config, token.access_token)).active, false, 'revoked');
    for (const forged of ['x', 'a'.repeat(43), `${token.access_token}x`]) {
      assert.equal((await oidc.tokenIntrospection(config, forged)).active, false);
    }
    // A JWT-shaped string: oidc-provider's answer is a 400 (its own tokens are opaque), never a 500.
    await assert.rejects(
      oidc.tokenIntrospection(config, 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'),
      oauthError('unsupported_token_type'),
    );
  });

  it('client admin: the secret shown once, stored hashed; rotation; deletion; audit', async () => {
    const c = await registerClient({ name: 'Audited', redirect_uris: [REDIRECT], grant_types: ['authorization_code'] });
    const [row] = await sql<{ secret_hash: string }>(
      s.t.databaseUrl,
      'SELECT secret_hash FROM oauth_clients WHERE client_id = $1',
      [c.client_id],
    );
    assert.match(row?.secret_hash ?? '', /^[0-9a-f]{64}$/);
    assert.notEqual(row?.secret_hash, c.client_secret);
    const got = await http(base, 'GET', `/api/v1/oauth-clients/${c.client_id}`, { token: s.admin });
    assert.equal(got.status, 200);
    assert.ok(!('client_secret' in got.body) && !JSON.stringify(got.body).includes(row?.secret_hash));
    const rotated = await http(base, 'POST', `/api/v1/oauth-clients/${c.client_id}/secret`, { token: s.admin });
    assert.equal(rotated.status, 201);
    const config = await oidc.discovery(issuer, c.client_id, c.client_secret as string, undefined, insecure);
    await assert.rejects(
      oidc.tokenIntrospection(config, 'x'),
      oauthError('invalid_client'),
      'the old secret stops working',
    );
    assert.equal((await http(base, 'DELETE', `/api/v1/oauth-clients/${c.client_id}`, { token: s.admin })).status, 204);
    assert.equal((await http(base, 'GET', `/api/v1/oauth-clients/${c.client_id}`, { token: s.admin })).status, 404);
    const actions = (
      await sql<{ action: string }>(s.t.databaseUrl, "SELECT action FROM audit_log WHERE action LIKE 'oauth_client.%'")
    ).map((r) => r.action);
    for (const a of ['oauth_client.register', 'oauth_client.rotate_secret', 'oauth_client.delete'])
      assert.ok(actions.includes(a), a);
    const bad = await http(base, 'POST', '/api/v1/oauth-clients', {
      token: s.admin,
      body: { name: 'x', redirect_uris: ['javascript:alert(1)'], grant_types: ['authorization_code'] },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error_code, 'COMMON_1000');
    // Rules across fields, which the schema cannot carry: each a 400 naming the field.
    for (const [body, field] of [
      [{ name: 'x', redirect_uris: [], grant_types: ['authorization_code'] }, 'redirect_uris'],
      [{ name: 'x', redirect_uris: [], grant_types: ['refresh_token'] }, 'grant_types'],
      [
        { name: 'x', redirect_uris: [], grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' },
        'grant_types',
      ],
    ] as const) {
      const refused = await http(base, 'POST', '/api/v1/oauth-clients', { token: s.admin, body });
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.equal(refused.body.details[0].field, field, JSON.stringify(refused.body));
    }
    const user = await registerAndLogin(base);
    assert.equal((await http(base, 'GET', '/api/v1/oauth-clients', { token: user.access })).status, 403);
  });

  it('refuses the password grant, plain PKCE, a missing PKCE, a foreign redirect_uri and an unknown client', async () => {
    const rp = await registerClient({ name: 'RP3', redirect_uris: [REDIRECT], grant_types: ['authorization_code'] });
    const user = newIdentity();
    const basic = `Basic ${Buffer.from(`${rp.client_id}:${rp.client_secret}`).toString('base64')}`;
    const password = await fetch(`${base}/oidc/token`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: user.email, password: user.password }),
    });
    assert.equal(password.status, 400);
    assert.equal(((await password.json()) as { error: string }).error, 'unsupported_grant_type');
    const auth = (params: Record<string, string>) =>
      fetch(
        `${base}/oidc/auth?${new URLSearchParams({ client_id: rp.client_id, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, ...params }).toString()}`,
        { redirect: 'manual' },
      );
    const plain = await auth({ code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' });
    assert.match(plain.headers.get('location') ?? '', /error=invalid_request/);
    const none = await auth({});
    assert.match(none.headers.get('location') ?? '', /error=invalid_request/);
    const open = await auth({
      redirect_uri: 'https://evil.example.com/cb',
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'S256',
    });
    assert.equal(open.status, 400, 'no redirect to an unregistered URI');
    assert.equal(open.headers.get('location'), null);
    const unknown = await auth({ client_id: 'nobody', code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.headers.get('location'), null);
    const huge = await fetch(`${base}/oidc/token`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&pad=${'a'.repeat(200_000)}`,
    });
    assert.ok(huge.status >= 400 && huge.status < 500, `huge body: ${huge.status}`);
  });

  it('RP-initiated logout ends the provider session', async () => {
    const rp = await registerClient({
      name: 'RP4',
      redirect_uris: [REDIRECT],
      post_logout_redirect_uris: ['https://rp.example.com/bye'],
      grant_types: ['authorization_code'],
    });
    const config = await oidc.discovery(issuer, rp.client_id, rp.client_secret as string, undefined, insecure);
    const user = await registerAndLogin(base);
    const { browser, done, verifier, state } = await signIn(config, user.identity);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(done.location as string), {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    const end = oidc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token as string,
      post_logout_redirect_uri: 'https://rp.example.com/bye',
    });
    const confirm = await browser.go(end.href);
    assert.equal(confirm.status, 200);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.body)?.[1];
    const action = /<form[^>]*action="([^"]+)"/.exec(confirm.body)?.[1];
    assert.ok(xsrf !== undefined && action !== undefined, confirm.body.slice(0, 500));
    const bye = await browser.go(new URL(action, base).href, { method: 'POST', form: { xsrf, logout: 'yes' } });
    assert.equal(bye.location, 'https://rp.example.com/bye');
    const left = await http(base, 'GET', '/api/v1/sessions', { token: user.access });
    assert.deepEqual(
      (left.body as { current: boolean }[]).map((x) => x.current),
      [true],
      'our session behind the sign-in ended with the logout; the API session stays',
    );
    assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, false);
  });

  it('the first-party account client: public (no secret), code + PKCE, no consent screen', async () => {
    const listed = await http(base, 'GET', '/api/v1/oauth-clients/account', { token: s.admin });
    assert.equal(listed.status, 200, 'created at start');
    assert.equal(listed.body.first_party, true);
    assert.equal(listed.body.token_endpoint_auth_method, 'none');
    const rotate = await http(base, 'POST', '/api/v1/oauth-clients/account/secret', { token: s.admin });
    assert.equal(rotate.status, 409, 'a public client has no secret to rotate');
    assert.equal(rotate.body.error_code, 'OAUTH_1003');
    const callback = `${base}/account/callback`;
    const config = await oidc.discovery(issuer, 'account', undefined, oidc.None(), insecure);
    const user = await registerAndLogin(base);
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: callback,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const browser = new FormBrowser();
    const page = await browser.go(url.href);
    // The callback is on the same origin: stop where the provider sends the browser back with the code.
    const done = await browser.go(new URL(formAction(page.body, '/login'), base).href, {
      method: 'POST',
      form: { ...hiddenFields(page.body, '/login'), identifier: user.identity.email, password: user.identity.password },
      stopAt: callback,
    });
    assert.ok(
      done.location?.startsWith(callback),
      `straight back, no consent: ${done.status} ${done.body.slice(0, 200)}`,
    );
    const tokens = await oidc.authorizationCodeGrant(config, new URL(done.location as string), {
      pkceCodeVerifier: verifier,
    });
    assert.equal(tokens.claims()?.sub, user.id);
  });

  it('the hosted sign-in asks for the second factor of a user with MFA', async () => {
    const rp = await registerClient({ name: 'RP6', redirect_uris: [REDIRECT], grant_types: ['authorization_code'] });
    const config = await oidc.discovery(issuer, rp.client_id, rp.client_secret as string, undefined, insecure);
    const user = await registerAndLogin(base);
    const setup = await http(base, 'POST', '/api/v1/auth/mfa/totp/setup', { token: user.access });
    const secret = setup.body.secret as string;
    const confirmed = await http(base, 'POST', '/api/v1/auth/mfa/totp/confirm', {
      token: user.access,
      body: { code: freshCode(secret) },
    });
    assert.equal(confirmed.status, 200);
    const { browser, done } = await signIn(config, user.identity);
    assert.equal(done.status, 200);
    const mfaAction = new URL(formAction(done.body, '/second-factor'), base).href;
    const wrong = await browser.go(mfaAction, {
      method: 'POST',
      form: { ...hiddenFields(done.body, '/second-factor'), code: wrongCode(secret) },
    });
    assert.equal(wrong.status, 401, 'a wrong code is refused');
    let finished = await browser.go(mfaAction, {
      method: 'POST',
      form: { ...hiddenFields(wrong.body, '/second-factor'), code: freshCode(secret) },
    });
    if (finished.status === 200 && finished.body.includes('/consent"')) {
      finished = await browser.go(new URL(formAction(finished.body, '/consent'), base).href, {
        method: 'POST',
        form: { ...hiddenFields(finished.body, '/consent'), decision: 'allow' },
      });
    }
    const logins = await outboxRowsOf(s.t.databaseUrl, 'user.logged_in', user.id);
    assert.ok(
      logins.some((e) => JSON.stringify(e.payload).includes(`"client_id":"${rp.client_id}"`)),
      'the second step names the client too',
    );
    assert.ok(finished.location?.startsWith(REDIRECT), `${finished.status} ${finished.body.slice(0, 200)}`);
  });

  it('the hosted sign-in shares the lockout of /api/v1/auth/login', async () => {
    const rp = await registerClient({ name: 'RP5', redirect_uris: [REDIRECT], grant_types: ['authorization_code'] });
    const config = await oidc.discovery(issuer, rp.client_id, rp.client_secret as string, undefined, insecure);
    const user = await registerAndLogin(base);
    for (let i = 0; i < 3; i++) {
      const { done } = await signIn(config, { email: user.identity.email, password: 'Wrong-passw0rd!' });
      assert.equal(done.status, 401);
    }
    const { done } = await signIn(config, user.identity);
    assert.equal(done.status, 423, 'locked, also with the right password');
    const api = await http(base, 'POST', '/api/v1/auth/login', {
      body: { email: user.identity.email, password: user.identity.password },
    });
    assert.equal(api.status, 423, 'the same lock on the API');
  });
});
