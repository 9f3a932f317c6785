import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, pressEnterAndWait, type TestBrowser, tabTo, typeInto } from '../utils/browser.js';
import { type Account, type AppWithAdmin, registerAndLogin } from '../utils/factories.js';
import { http } from '../utils/http.js';
import {
  type OAuth2Proxy,
  registerClient,
  relyingPartyTools,
  startOAuth2Proxy,
  startOidcApp,
  startUpstream,
  TOOLS_TIMEOUT_MS,
} from '../utils/relying-parties.js';
import { freePort } from '../utils/service-process.js';
import { freshCode } from '../utils/totp.js';

const ADMIN = { email: 'rp-browser-admin@example.com', password: 'Admin-Passw0rd-Long' };
/** The sign-in form of the hosted page (i17-pages), and its second-factor step. */
const EMAIL = 'input[name="identifier"]';
const PASSWORD = 'input[name="password"]';
const CODE = 'input[name="code"]';
const CONSENT_ALLOW = '#consent-allow';

/**
 * oauth2-proxy (built from the Go module proxy) in front of a tiny upstream, its OAuth client
 * registered through our admin route, signed in through our hosted page in a real headless
 * Chromium with the keyboard only: the upstream receives the user's identity in the headers
 * oauth2-proxy sets. Every page is screenshotted and must log no console error, no page
 * error and no failed request.
 */
describe('oauth2-proxy signed in through the hosted page in Chromium', () => {
  let app: AppWithAdmin & { issuer: string };
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let proxy: OAuth2Proxy;
  const proxies: OAuth2Proxy[] = [];
  let b: TestBrowser;

  /** Registers an OAuth client for a new oauth2-proxy (through the admin route) and starts the proxy. */
  async function startProxy(firstParty: boolean): Promise<OAuth2Proxy> {
    // The proxy's port is chosen first: its callback is the client's redirect URI.
    const port = await freePort();
    const client = await registerClient(app.t.url, app.admin, {
      name: firstParty ? 'Reports (oauth2-proxy)' : 'Partner dashboard (oauth2-proxy)',
      redirect_uris: [`http://127.0.0.1:${port}/oauth2/callback`],
      grant_types: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'email', 'profile'],
      first_party: firstParty,
    });
    const started = await startOAuth2Proxy({
      port,
      issuer: app.issuer,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      upstream: upstream.url,
    });
    proxies.push(started);
    return started;
  }

  before(
    async () => {
      await relyingPartyTools('chromium', 'oauth2-proxy');
      app = await startOidcApp(ADMIN);
      upstream = await startUpstream();
      proxy = await startProxy(true);
      b = await launchBrowser('oidc-browser');
    },
    { timeout: TOOLS_TIMEOUT_MS },
  );
  after(async () => {
    if (b !== undefined) console.log(`oidc-browser screenshots:\n  ${b.screenshots.join('\n  ')}`);
    await b?.close();
    for (const p of proxies) await p.close();
    await upstream?.close();
    await app?.close();
  });

  /** Opens the proxied app: oauth2-proxy sends the browser to our issuer, which shows the sign-in page. */
  async function openProxiedApp(label: string, through = proxy) {
    const page = await b.newPage();
    const from = b.problems.length;
    await page.goto(`${through.url}/reports/`, { waitUntil: 'load' });
    assert.ok(page.url().startsWith(`${app.t.url}/`), `expected our sign-in page, at ${page.url()}`);
    await page.waitForSelector(EMAIL);
    await b.screenshot(page, `${label}-sign-in`);
    b.assertNoProblems('sign-in page', from);
    return page;
  }

  /** The upstream's record of the proxied page request (the browser also asks it for /favicon.ico). */
  function lastHit(email: string) {
    const hit = [...upstream.hits]
      .reverse()
      .find((h) => h.path === '/reports/' && h.headers['x-forwarded-email'] === email);
    assert.ok(hit, `the upstream never received ${email}: ${JSON.stringify(upstream.hits.map((h) => h.headers))}`);
    return hit;
  }

  it('a user types email and password with the keyboard and reaches the upstream as themselves', async () => {
    const user = await registerAndLogin(app.t.url);
    const page = await openProxiedApp('password');
    await typeInto(page, EMAIL, user.identity.email);
    await typeInto(page, PASSWORD, user.identity.password);
    await pressEnterAndWait(page);
    assert.ok(page.url().startsWith(`${proxy.url}/reports/`), `expected the upstream, at ${page.url()}`);
    assert.equal(await page.$eval('#who', (el) => el.textContent), user.identity.email);
    await b.screenshot(page, 'password-upstream');
    const hit = lastHit(user.identity.email);
    assert.equal(hit.headers['x-forwarded-user'], user.id, 'X-Forwarded-User is the subject: our user id');
    b.assertNoProblems('the keyboard sign-in through oauth2-proxy');
  });

  it('a user with TOTP also types the code of the second step', async () => {
    const user: Account = await registerAndLogin(app.t.url);
    const setup = await http(app.t.url, 'POST', '/api/v1/auth/mfa/totp/setup', { token: user.access });
    assert.equal(setup.status, 200, JSON.stringify(setup.body));
    const secret = setup.body.secret as string;
    const confirm = await http(app.t.url, 'POST', '/api/v1/auth/mfa/totp/confirm', {
      token: user.access,
      body: { code: freshCode(secret) },
    });
    assert.equal(confirm.status, 200, JSON.stringify(confirm.body));

    const page = await openProxiedApp('mfa');
    const from = b.problems.length;
    await typeInto(page, EMAIL, user.identity.email);
    await typeInto(page, PASSWORD, user.identity.password);
    await pressEnterAndWait(page);
    await page.waitForSelector(CODE);
    assert.ok(page.url().startsWith(`${app.t.url}/`), `expected our second-factor page, at ${page.url()}`);
    await b.screenshot(page, 'mfa-code');
    b.assertNoProblems('the second-factor page', from);
    await typeInto(page, CODE, freshCode(secret));
    await pressEnterAndWait(page);
    assert.ok(page.url().startsWith(`${proxy.url}/reports/`), `expected the upstream, at ${page.url()}`);
    assert.equal(await page.$eval('#who', (el) => el.textContent), user.identity.email);
    await b.screenshot(page, 'mfa-upstream');
    assert.equal(lastHit(user.identity.email).headers['x-forwarded-user'], user.id);
    b.assertNoProblems('the keyboard sign-in with a second factor');
  });

  it('a third-party app asks for consent, given with the keyboard', async () => {
    const partner = await startProxy(false);
    const user = await registerAndLogin(app.t.url);
    const page = await openProxiedApp('consent', partner);
    await typeInto(page, EMAIL, user.identity.email);
    await typeInto(page, PASSWORD, user.identity.password);
    await pressEnterAndWait(page);
    await page.waitForSelector(CONSENT_ALLOW);
    assert.ok(page.url().startsWith(`${app.t.url}/`), `expected our consent page, at ${page.url()}`);
    await b.screenshot(page, 'consent');
    await tabTo(page, CONSENT_ALLOW);
    await pressEnterAndWait(page);
    assert.ok(page.url().startsWith(`${partner.url}/reports/`), `expected the upstream, at ${page.url()}`);
    await b.screenshot(page, 'consent-upstream');
    assert.equal(lastHit(user.identity.email).headers['x-forwarded-user'], user.id);
    b.assertNoProblems('the keyboard sign-in with consent');
  });
});
