import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort, startTestApp, type TestApp } from '../utils/app.js';
import { sql } from '../utils/database.js';
import { newIdentity, registerAndLogin, type Account } from '../utils/factories.js';
import { http } from '../utils/http.js';
import {
  actionOf,
  csrfOf,
  errorsOf,
  fieldOf,
  follow,
  PageClient,
  type PageRes,
  signInPage,
  startSignIn,
} from '../utils/pages.js';
import { outboxRowsOf } from '../utils/rows.js';
import { startSmtp, tokenFrom } from '../utils/smtp.js';
import { freshCode, wrongCode } from '../utils/totp.js';

/**
 * Issue 17 item 4: the hosted pages over plain HTTP with cookies (the real browser's checks
 * are in the browser tests): every page renders accessible, script-free HTML; every form
 * POST needs its CSRF token; sign-in runs the login use case (lockout, MFA) and opens one of
 * our sessions; the account page acts through the same services as the JSON routes.
 */
const ADMIN = { email: 'pages-admin@example.com', password: 'Admin-Passw0rd-Pages' };

describe('hosted pages', () => {
  let t: TestApp;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  before(async () => {
    smtp = await startSmtp();
    // The account page signs in through the provider, whose issuer (and so its redirects) is PUBLIC_URL.
    const port = await freePort();
    t = await startTestApp({
      port,
      env: {
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        SMTP_URL: smtp.url,
        MAX_LOGIN_ATTEMPTS: '5',
        MFA_REQUIRED_ROLES: 'admin',
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
      },
    });
  });
  after(async () => {
    await t.close();
    await smtp.close();
  });

  const signedIn = async (who: Account): Promise<PageClient> => {
    const client = new PageClient(t.url);
    const res = await signInPage(client, who.identity.email, who.identity.password);
    assert.equal(res.status, 303, res.html);
    assert.equal(res.location, '/account');
    return client;
  };

  const pageSessionIdOf = (client: PageClient): string => {
    const raw = decodeURIComponent(client.cookies.get('us_page_session') ?? '');
    return raw.split('.')[0];
  };

  /** Every visible input has a label; the page has a language, a title, a stylesheet of ours and no script. */
  const assertAccessible = (html: string): void => {
    assert.match(html, /<html lang="en">/);
    assert.match(html, /<h1 id="page-title">/);
    assert.doesNotMatch(html, /<script/i);
    assert.match(html, /<link rel="stylesheet" href="\/pages\/assets\/site.css">/);
    for (const input of html.matchAll(/<input ([^>]*)>/g)) {
      if (/type="hidden"/.test(input[1])) continue;
      const id = /id="([^"]+)"/.exec(input[1])?.[1];
      assert.ok(id !== undefined, `input without id: ${input[0]}`);
      assert.match(html, new RegExp(`<label for="${id}">`), `no label for #${id}`);
    }
  };

  it('renders each page with a strict CSP, no store, labels and no script; the CSS is cacheable', async () => {
    const client = new PageClient(t.url);
    // The sign-in page is the provider's interaction (reached from /account/signin).
    const pages: [string, PageRes][] = [['the sign-in', await startSignIn(client)]];
    for (const path of ['/verify-email?token=abc', '/reset-password?token=abc', '/forgot-password']) {
      pages.push([path, await client.get(path)]);
    }
    for (const [path, res] of pages) {
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'none'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assertAccessible(res.html);
    }
    const cookie = client.cookies.get('us_csrf');
    assert.ok(cookie !== undefined, 'the CSRF secret cookie is set');
    // Signed out, /account/signin starts the provider's code flow: client `account`, PKCE S256, a
    // state; the verifier and the state ride in a signed HttpOnly cookie scoped to the callback.
    const raw = await fetch(`${t.url}/account/signin`, { redirect: 'manual' });
    assert.equal(raw.status, 303);
    const auth = new URL(raw.headers.get('location') ?? '');
    assert.equal(auth.origin + auth.pathname, `${t.url}/oidc/auth`);
    assert.equal(auth.searchParams.get('client_id'), 'account');
    assert.equal(auth.searchParams.get('response_type'), 'code');
    assert.equal(auth.searchParams.get('redirect_uri'), `${t.url}/account/callback`);
    assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
    assert.match(auth.searchParams.get('code_challenge') ?? '', /^[\w-]{43}$/);
    assert.match(auth.searchParams.get('state') ?? '', /^[\w-]{22}$/);
    const started = raw.headers.getSetCookie().find((c) => c.startsWith('us_account_auth='));
    assert.match(started ?? '', /Path=\/account\/callback/);
    assert.match(started ?? '', /HttpOnly; SameSite=Lax/);
    assert.doesNotMatch(decodeURIComponent(started ?? ''), new RegExp(auth.searchParams.get('code_challenge') ?? 'x'));
    const css = await fetch(`${t.url}/pages/assets/site.css`);
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
    assert.match(css.headers.get('cache-control') ?? '', /public, max-age=\d+/);
    const again = await fetch(`${t.url}/pages/assets/site.css`, {
      headers: { 'if-none-match': css.headers.get('etag') ?? '' },
    });
    assert.equal(again.status, 304);
    // Signed out, the account page sends the browser to the sign-in page.
    const account = await new PageClient(t.url).get('/account');
    assert.equal(account.status, 303);
    assert.ok(account.location?.startsWith(`${t.url}/oidc/auth?client_id=account&`), String(account.location));
  });

  it('refuses a form POST without its CSRF token, with a wrong one or with another browser’s: 403, nothing done', async () => {
    const who = await registerAndLogin(t.url);
    const before = await sql(t.databaseUrl, 'SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [who.id]);
    const creds = { identifier: who.identity.email, password: who.identity.password };
    const client = new PageClient(t.url);
    const action = actionOf((await startSignIn(client)).html, 'signin-form');
    const other = new PageClient(t.url);
    await startSignIn(other);
    for (const csrf of [null, 'forged-token', csrfOf(other.last)]) {
      const res = await client.post(action, creds, csrf);
      assert.equal(res.status, 403, String(csrf));
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(res.html, /The form expired or did not come from this site/);
      assert.equal(client.cookies.get('us_page_session'), undefined);
    }
    // No cookie at all (a cross-site form without SameSite cookies) is refused too.
    const bare = await fetch(`${t.url}${action}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: client.csrf ?? '', ...creds }).toString(),
    });
    assert.equal(bare.status, 403);
    const after = await sql(t.databaseUrl, 'SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [who.id]);
    assert.deepEqual(after, before, 'no session was opened');

    // Signed in, a password change without the token changes nothing.
    const page = await signedIn(who);
    const res = await page.post(
      '/account/password',
      { current_password: who.identity.password, new_password: 'Another-Str0ng-Passw0rd' },
      null,
    );
    assert.equal(res.status, 403);
    const login = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: who.identity.email, password: who.identity.password },
    });
    assert.equal(login.status, 200, 'the old password still works');
  });

  it('signs in through LoginService: one of our sessions, user.logged_in, the account page', async () => {
    const who = await registerAndLogin(t.url);
    const client = await signedIn(who);
    const sessionId = pageSessionIdOf(client);
    const sessions = await http(t.url, 'GET', '/api/v1/sessions', { token: who.access });
    assert.ok(
      (sessions.body as { id: string }[]).some((s) => s.id === sessionId),
      'the page session is one of the user’s sessions',
    );
    const events = await outboxRowsOf<{ session_id: string }>(t.databaseUrl, 'user.logged_in', who.id);
    assert.ok(events.some((e) => e.payload.session_id === sessionId));
    const account = await client.get('/account');
    assert.equal(account.status, 200);
    assertAccessible(account.html);
    assert.match(account.html, new RegExp(`id="session-${sessionId}"`));
    assert.match(account.html, /this device/);
    // Signed in by username too; the sign-in page of a signed-in browser goes to the account.
    const byName = new PageClient(t.url);
    assert.equal((await signInPage(byName, who.identity.username, who.identity.password)).status, 303);
    assert.equal((await byName.get('/account/signin')).location, '/account');
  });

  /** Signs in at the provider and follows its redirects up to (not into) /account/callback; the callback URL. */
  const upToCallback = async (client: PageClient, res: PageRes): Promise<string> => {
    let current = res;
    for (let hops = 0; !(current.location ?? '').startsWith(`${t.url}/account/callback?`); hops += 1) {
      assert.ok(hops < 10 && current.status === 303, `${current.status} ${current.location} ${current.html}`);
      current = await client.get(current.location ?? '');
    }
    return current.location ?? '';
  };
  const codeUpToCallback = async (client: PageClient, who: Account): Promise<string> => {
    const page = await startSignIn(client);
    const posted = await client.post(actionOf(page.html, 'signin-form'), {
      identifier: who.identity.email,
      password: who.identity.password,
    });
    return upToCallback(client, posted);
  };
  const assertRefused = (res: PageRes, client: PageClient): void => {
    assert.equal(res.status, 400, res.html);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(client.cookies.get('us_page_session'), undefined, 'no page session');
  };

  it('redeems the account client’s code server-side once, for this browser’s state only, and signs out', async () => {
    const who = await registerAndLogin(t.url);
    // The old form's POST signs nobody in while the provider runs: it sends the browser to /oidc/auth.
    const oldForm = new PageClient(t.url);
    await startSignIn(oldForm);
    const posted = await oldForm.post('/account/signin', {
      identifier: who.identity.email,
      password: who.identity.password,
    });
    assert.equal(posted.status, 303);
    assert.ok(posted.location?.startsWith(`${t.url}/oidc/auth?client_id=account&`), String(posted.location));
    assert.equal(oldForm.cookies.get('us_page_session'), undefined);
    // A wrong state (a callback this browser did not start): refused; the state cookie is spent.
    const forged = new PageClient(t.url);
    const forgedUrl = new URL(await codeUpToCallback(forged, who));
    forgedUrl.searchParams.set('state', 'not-the-state-of-this-browser');
    assertRefused(await forged.get(forgedUrl.pathname + forgedUrl.search), forged);
    // No state cookie at all (another browser replaying the URL): refused.
    const stranger = new PageClient(t.url);
    const strangerUrl = await codeUpToCallback(new PageClient(t.url), who);
    assertRefused(await stranger.get(strangerUrl), stranger);
    // No code, or a made-up one, with the right state: refused.
    const noCode = new PageClient(t.url);
    const noCodeUrl = new URL(await codeUpToCallback(noCode, who));
    noCodeUrl.searchParams.set('code', 'made-up-code');
    assertRefused(await noCode.get(noCodeUrl.pathname + noCodeUrl.search), noCode);

    // The right state and code: one of our sessions, the page session, the account page.
    const client = new PageClient(t.url);
    const callback = await codeUpToCallback(client, who);
    const started = client.cookies.get('us_account_auth');
    assert.ok(started !== undefined);
    const done = await client.get(callback);
    assert.equal(done.status, 303, done.html);
    assert.equal(done.location, '/account');
    assert.equal(client.cookies.get('us_account_auth'), undefined, 'the state cookie is spent');
    const sessionId = pageSessionIdOf(client);
    const sessions = await http(t.url, 'GET', '/api/v1/sessions', { token: who.access });
    assert.ok((sessions.body as { id: string }[]).some((s) => s.id === sessionId));
    assert.equal((await client.get('/account')).status, 200);

    // The same code again, even with the state cookie put back (a stolen URL and cookie): refused.
    const replay = new PageClient(t.url);
    replay.cookies.set('us_account_auth', started);
    assertRefused(await replay.get(callback), replay);

    // A code given to another client (same redirect URI, same PKCE verifier and state): refused.
    await sql(
      t.databaseUrl,
      `INSERT INTO oauth_clients (client_id, name, redirect_uris, grant_types, scopes, first_party, token_endpoint_auth_method)
       SELECT 'pages-other', 'Other', redirect_uris, grant_types, scopes, true, 'none' FROM oauth_clients WHERE client_id = 'account'
       ON CONFLICT DO NOTHING`,
    );
    client.cookies.delete('us_page_session');
    const restart = await client.get('/account/signin');
    const auth = new URL(restart.location ?? '');
    auth.searchParams.set('client_id', 'pages-other');
    const otherCallback = await upToCallback(client, await client.get(auth.pathname + auth.search));
    assertRefused(await client.get(otherCallback), client);

    // Sign-out from the account page ends our session; the next visit asks for the password again.
    const page = await signedIn(who);
    const pageSession = pageSessionIdOf(page);
    await page.get('/account');
    const out = await page.post('/account/signout', {});
    assert.equal(out.status, 303);
    assert.equal(page.cookies.get('us_page_session'), undefined);
    // (A fresh API login: this test opened more sessions than MAX_SESSIONS_PER_USER, the oldest went.)
    const fresh = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: who.identity.email, password: who.identity.password },
    });
    const left = await http(t.url, 'GET', '/api/v1/sessions', { token: fresh.body.access_token });
    assert.equal(left.status, 200, JSON.stringify(left.body));
    assert.ok(!(left.body as { id: string }[]).some((s) => s.id === pageSession), 'our session ended');
    assert.match((await follow(page, out)).html, /id="signin-form"/);
  });

  it('answers an unknown account and a wrong password alike; the fifth failure locks, as the API does', async () => {
    const who = await registerAndLogin(t.url);
    const client = new PageClient(t.url);
    const unknown = await signInPage(client, `nobody-${who.identity.username}@example.com`, 'Wrong-Passw0rd-1');
    const wrong = await signInPage(client, who.identity.email, 'Wrong-Passw0rd-1');
    assert.equal(unknown.status, 401);
    assert.equal(wrong.status, 401);
    assert.deepEqual(errorsOf(unknown.html), errorsOf(wrong.html));
    assert.match(errorsOf(wrong.html)[0] ?? '', /do not match an account/);
    assert.match(wrong.html, new RegExp(`value="${who.identity.email}"`), 'the identifier is kept, the password not');
    for (let i = 0; i < 4; i += 1) await signInPage(client, who.identity.email, 'Wrong-Passw0rd-1');
    const locked = await signInPage(client, who.identity.email, who.identity.password);
    assert.equal(locked.status, 423);
    assert.match(errorsOf(locked.html)[0] ?? '', /locked/);
    const api = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: who.identity.email, password: who.identity.password },
    });
    assert.equal(api.status, 423);
    assert.equal(api.body.error_code, 'USER_1003');
  });

  it('asks a user with MFA for the second factor; a wrong code re-asks, a right one signs in', async () => {
    const who = await registerAndLogin(t.url);
    const setup = await http(t.url, 'POST', '/api/v1/auth/mfa/totp/setup', { token: who.access });
    const confirm = await http(t.url, 'POST', '/api/v1/auth/mfa/totp/confirm', {
      token: who.access,
      body: { code: freshCode(setup.body.secret) },
    });
    assert.equal(confirm.status, 200);
    const client = new PageClient(t.url);
    const first = await signInPage(client, who.identity.email, who.identity.password);
    assert.equal(first.status, 200);
    assert.match(first.html, /id="second-factor-form"/);
    assertAccessible(first.html);
    assert.equal(client.cookies.get('us_page_session'), undefined, 'no session before the second factor');
    const mfaToken = fieldOf(first.html, 'mfa_token');
    const secondFactor = actionOf(first.html, 'second-factor-form');
    const bad = await client.post(secondFactor, {
      mfa_token: mfaToken,
      code: wrongCode(setup.body.secret),
    });
    assert.equal(bad.status, 401);
    assert.match(errorsOf(bad.html)[0] ?? '', /code is not right/);
    const empty = await client.post(secondFactor, {
      mfa_token: mfaToken,
      code: '',
      recovery_code: '',
    });
    assert.equal(empty.status, 400);
    const good = await follow(
      client,
      await client.post(secondFactor, {
        mfa_token: mfaToken,
        code: freshCode(setup.body.secret),
      }),
    );
    assert.equal(good.status, 303, good.html);
    assert.equal(good.location, '/account');
    assert.equal((await client.get('/account')).status, 200);
    // A recovery code works as the second factor too.
    const other = new PageClient(t.url);
    const step = await signInPage(other, who.identity.email, who.identity.password);
    const recovery = await follow(
      other,
      await other.post(actionOf(step.html, 'second-factor-form'), {
        mfa_token: fieldOf(step.html, 'mfa_token'),
        code: '',
        recovery_code: (confirm.body.recovery_codes as string[])[0],
      }),
    );
    assert.equal(recovery.status, 303);
    assert.equal(recovery.location, '/account');
  });

  it('revokes a session from the account page; a session revoked elsewhere signs the page out', async () => {
    const who = await registerAndLogin(t.url);
    const client = await signedIn(who);
    const sessions = await http(t.url, 'GET', '/api/v1/sessions', { token: who.access });
    const apiSession = (sessions.body as { id: string; current: boolean }[]).find((s) => s.current);
    assert.ok(apiSession);
    await client.get('/account');
    const revoked = await client.post('/account/sessions/revoke', { session_id: apiSession.id });
    assert.equal(revoked.status, 200);
    assert.match(revoked.html, /That device is signed out/);
    assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token: who.access })).status, 401);
    // Someone else's session id: refused, nothing ends.
    const stranger = await registerAndLogin(t.url);
    const strangerSessions = await http(t.url, 'GET', '/api/v1/sessions', { token: stranger.access });
    const notMine = await client.post('/account/sessions/revoke', {
      session_id: (strangerSessions.body as { id: string }[])[0].id,
    });
    assert.equal(notMine.status, 404);
    assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token: stranger.access })).status, 200);
    // The page's own session revoked through the API: the next page request is signed out.
    const again = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: who.identity.email, password: who.identity.password },
    });
    const del = await http(t.url, 'DELETE', `/api/v1/sessions/${pageSessionIdOf(client)}`, {
      token: again.body.access_token,
    });
    assert.equal(del.status, 204);
    const after = await client.get('/account');
    assert.equal(after.status, 303);
    assert.ok(after.location?.startsWith(`${t.url}/oidc/auth?`), String(after.location));
    // ...and signing in again through the provider asks for the password (its session is unbound).
    assert.match((await follow(client, after)).html, /id="signin-form"/);
  });

  it('changes the password: policy errors shown, other sessions end, this one stays', async () => {
    const who = await registerAndLogin(t.url);
    const client = await signedIn(who);
    await client.get('/account');
    const weak = await client.post('/account/password', {
      current_password: who.identity.password,
      new_password: 'weak',
    });
    assert.equal(weak.status, 400);
    assert.ok(
      errorsOf(weak.html).some((e) => /too short/.test(e)),
      errorsOf(weak.html).join(),
    );
    const wrongCurrent = await client.post('/account/password', {
      current_password: 'Not-The-Passw0rd',
      new_password: 'Brand-New-Passw0rd-1',
    });
    assert.equal(wrongCurrent.status, 401);
    assert.match(errorsOf(wrongCurrent.html)[0] ?? '', /current password is not right/);
    const same = await client.post('/account/password', {
      current_password: who.identity.password,
      new_password: who.identity.password,
    });
    assert.equal(same.status, 400);
    assert.match(errorsOf(same.html)[0] ?? '', /not used recently/);
    const done = await client.post('/account/password', {
      current_password: who.identity.password,
      new_password: 'Brand-New-Passw0rd-1',
    });
    assert.equal(done.status, 200);
    assert.match(done.html, /Your password is changed/);
    assert.equal(
      (await http(t.url, 'GET', '/api/v1/users/me', { token: who.access })).status,
      401,
      'other sessions end',
    );
    assert.equal((await client.get('/account')).status, 200, 'this one stays');
    const login = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: who.identity.email, password: 'Brand-New-Passw0rd-1' },
    });
    assert.equal(login.status, 200);
  });

  it('sets up MFA with the QR code as an image, confirms with a code and shows the recovery codes once', async () => {
    const who = await registerAndLogin(t.url);
    const client = await signedIn(who);
    await client.get('/account');
    const setup = await client.post('/account/mfa/setup', {});
    assert.equal(setup.status, 200);
    assertAccessible(setup.html);
    assert.match(setup.html, /<img id="mfa-qr" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+"/);
    assert.doesNotMatch(setup.html, /<svg/, 'the SVG is an image, never inline markup');
    const secret = /<code id="mfa-secret">([A-Z2-7]+)<\/code>/.exec(setup.html)?.[1];
    assert.ok(secret);
    const wrong = await client.post('/account/mfa/confirm', { code: wrongCode(secret) });
    assert.equal(wrong.status, 401);
    const confirmed = await client.post('/account/mfa/confirm', { code: freshCode(secret) });
    assert.equal(confirmed.status, 200, confirmed.html);
    const codes = [...confirmed.html.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]);
    assert.ok(codes.length >= 8, `recovery codes shown: ${codes.length}`);
    const me = await http(t.url, 'GET', '/api/v1/users/me', { token: who.access });
    assert.equal(me.body.mfa_enabled, true);
    const account = await client.get('/account');
    assert.match(account.html, /id="password-code"/, 'the password change now asks for a code');
    assert.doesNotMatch(account.html, new RegExp(codes[0]), 'the codes are not shown again');
  });

  it('holds a role of MFA_REQUIRED_ROLES to enrolment on the account page, as the API does', async () => {
    const client = new PageClient(t.url);
    assert.equal((await signInPage(client, ADMIN.email, ADMIN.password)).status, 303);
    const account = await client.get('/account');
    assert.equal(account.status, 200);
    assert.match(account.html, /Your role requires two-step verification/);
    const profile = await client.post('/account/profile', { name: 'Renamed Admin' });
    assert.equal(profile.status, 403);
    assert.match(profile.html, /requires two-step verification/);
    const setup = await client.post('/account/mfa/setup', {});
    assert.equal(setup.status, 200, 'enrolment stays open');
  });

  it('renders a display name with markup escaped (XSS probe) and edits the profile through the users service', async () => {
    const identity = { ...newIdentity(), name: '<script>alert(1)</script><img src=x onerror=alert(2)>' };
    const who = await registerAndLogin(t.url, identity);
    const client = await signedIn(who);
    const account = await client.get('/account');
    assert.doesNotMatch(account.html, /<script>alert/);
    assert.doesNotMatch(account.html, /<img src=x/);
    assert.match(account.html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;&lt;img src=x onerror=alert\(2\)&gt;/);
    const bad = await client.post('/account/profile', { name: 'Ok Name', username: 'no spaces allowed' });
    assert.equal(bad.status, 400);
    assert.match(errorsOf(bad.html)[0] ?? '', /username/i);
    const saved = await client.post('/account/profile', { name: 'Ada "Q" Lovelace', username: identity.username });
    assert.equal(saved.status, 200);
    assert.match(saved.html, /Your profile is saved/);
    assert.match(saved.html, /value="Ada &quot;Q&quot; Lovelace"/);
    const me = await http(t.url, 'GET', '/api/v1/users/me', { token: who.access });
    assert.equal(me.body.name, 'Ada "Q" Lovelace');
    const events = await outboxRowsOf(t.databaseUrl, 'user.updated', who.id);
    assert.equal(events.length, 1);
  });

  it('verifies the email from the mailed link on POST only (a scanner’s GET spends nothing)', async () => {
    const who = await registerAndLogin(t.url);
    await smtp.waitFor(who.identity.email);
    // A new link from the account page replaces the mailed one.
    const page = await signedIn(who);
    const account = await page.get('/account');
    assert.match(account.html, /id="resend-verification-submit"/);
    const resent = await page.post('/account/verify-email', {});
    assert.equal(resent.status, 200);
    assert.match(resent.html, /A new verification link is on its way/);
    const mails = await smtp.waitFor(who.identity.email, 2);
    const token = tokenFrom(mails[1], 'verify-email');
    const client = new PageClient(t.url);
    await client.get(`/verify-email?token=${tokenFrom(mails[0], 'verify-email')}`);
    const old = await client.post('/verify-email', { token: tokenFrom(mails[0], 'verify-email') });
    assert.equal(old.status, 400, 'the first link stopped working');
    for (let i = 0; i < 2; i += 1) {
      const page = await client.get(`/verify-email?token=${token}`);
      assert.equal(page.status, 200);
      assert.match(page.html, /id="verify-email-submit"/);
    }
    assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token: who.access })).body.is_verified, false);
    const done = await client.post('/verify-email', { token });
    assert.equal(done.status, 200);
    assert.match(done.html, /email address is confirmed/);
    assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token: who.access })).body.is_verified, true);
    assert.doesNotMatch((await page.get('/account')).html, /resend-verification-submit/);
    await client.get(`/verify-email?token=${token}`);
    const again = await client.post('/verify-email', { token });
    assert.equal(again.status, 400);
    assert.match(again.html, /not valid any more/);
  });

  it('resets the password from the mailed link: mismatch, policy and history errors shown, then done', async () => {
    const who = await registerAndLogin(t.url);
    await smtp.waitFor(who.identity.email);
    const client = new PageClient(t.url);
    await client.get('/forgot-password');
    const asked = await client.post('/forgot-password', { email: who.identity.email });
    assert.equal(asked.status, 200);
    const unknown = await client.post('/forgot-password', { email: `nobody-${who.identity.email}` });
    assert.equal(unknown.html.replace(/value="[^"]+"/g, ''), asked.html.replace(/value="[^"]+"/g, ''), 'same answer');
    const mails = await smtp.waitFor(who.identity.email, 2);
    const reset = mails.find((m) => m.text.includes('reset-password'));
    assert.ok(reset);
    const token = tokenFrom(reset, 'reset-password');
    const page = await client.get(`/reset-password?token=${token}`);
    assert.equal(page.status, 200);
    assertAccessible(page.html);
    const mismatch = await client.post('/reset-password', {
      token,
      new_password: 'Brand-New-Passw0rd-2',
      confirm_password: 'Brand-New-Passw0rd-3',
    });
    assert.equal(mismatch.status, 400);
    assert.match(errorsOf(mismatch.html)[0] ?? '', /not the same/);
    const weak = await client.post('/reset-password', {
      token,
      new_password: 'password',
      confirm_password: 'password',
    });
    assert.equal(weak.status, 400);
    assert.ok(errorsOf(weak.html).length >= 1);
    const reused = await client.post('/reset-password', {
      token,
      new_password: who.identity.password,
      confirm_password: who.identity.password,
    });
    assert.equal(reused.status, 400);
    assert.match(errorsOf(reused.html)[0] ?? '', /not used recently/);
    const done = await client.post('/reset-password', {
      token,
      new_password: 'Brand-New-Passw0rd-2',
      confirm_password: 'Brand-New-Passw0rd-2',
    });
    assert.equal(done.status, 200);
    assert.match(done.html, /new password is set/);
    assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token: who.access })).status, 401);
    const spent = await client.post('/reset-password', {
      token,
      new_password: 'Brand-New-Passw0rd-4',
      confirm_password: 'Brand-New-Passw0rd-4',
    });
    assert.equal(spent.status, 400);
    assert.match(spent.html, /not valid any more/);
    assert.equal((await signInPage(new PageClient(t.url), who.identity.email, 'Brand-New-Passw0rd-2')).status, 303);
  });

  it('refuses huge, repeated-field and non-form bodies with a 4xx, never a 500; the JSON API still refuses forms', async () => {
    const client = new PageClient(t.url);
    const signIn = actionOf((await startSignIn(client)).html, 'signin-form');
    const token = csrfOf(client.last);
    const large = await client.postRaw(signIn, `_csrf=${token}&identifier=${'a'.repeat(10_000)}&password=x`);
    assert.equal(large.status, 413);
    assert.match(large.headers.get('content-type') ?? '', /^text\/html/);
    const huge = await client.postRaw(signIn, `_csrf=${token}&identifier=${'a'.repeat(200_000)}`);
    assert.equal(huge.status, 413);
    const repeated = await client.postRaw(signIn, `_csrf=${token}&identifier=a&identifier=b&password=x`);
    assert.equal(repeated.status, 400);
    assert.match(repeated.headers.get('content-type') ?? '', /^text\/html/);
    const unknownField = await client.post(signIn, { identifier: 'a', password: 'b', is_admin: 'true' });
    assert.equal(unknownField.status, 400);
    assert.match(unknownField.headers.get('content-type') ?? '', /^text\/html/);
    const proto = await client.postRaw(signIn, `_csrf=${token}&__proto__=x&identifier=a&password=b`);
    assert.ok(proto.status >= 400 && proto.status < 500, String(proto.status));
    const json = await client.postRaw(signIn, '{"identifier":"a"}', 'application/json');
    assert.ok(json.status >= 400 && json.status < 500, String(json.status));
    const api = await http(t.url, 'POST', '/api/v1/auth/login', {
      raw: 'email=a@b.co&password=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(api.status, 415);
    assert.equal(api.body.error_code, 'COMMON_1415');
  });
});

describe('hosted pages without the OpenID provider (HS256 keys)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ env: { JWT_ALGORITHM: 'HS256', JWT_SECRET: 'hs256-test-secret-'.padEnd(48, 'x') } });
  });
  after(async () => {
    await t.close();
  });

  it('keeps the page’s own sign-in form; there is no callback', async () => {
    const who = await registerAndLogin(t.url);
    const client = new PageClient(t.url);
    const account = await client.get('/account');
    assert.equal(account.status, 303);
    assert.equal(account.location, '/account/signin');
    const form = await client.get('/account/signin');
    assert.equal(form.status, 200);
    assert.equal(actionOf(form.html, 'signin-form'), '/account/signin');
    const res = await client.post('/account/signin', {
      identifier: who.identity.email,
      password: who.identity.password,
    });
    assert.equal(res.status, 303, res.html);
    assert.equal(res.location, '/account');
    assert.equal((await client.get('/account')).status, 200);
    assert.equal((await client.get('/account/callback?code=x&state=y')).status, 404);
  });
});
