import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'puppeteer-core';
import { launchBrowser, pressEnterAndWait, type TestBrowser, tabTo, typeInto } from '../utils/browser.js';
import { type Account, type AppWithAdmin, newIdentity, registerAndLogin, type Smtp } from '../utils/factories.js';
import { http } from '../utils/http.js';
import { relyingPartyTools, startOidcApp, TOOLS_TIMEOUT_MS } from '../utils/relying-parties.js';
import { freshCode } from '../utils/totp.js';
import { waitFor } from '../utils/wait.js';

const ADMIN = { email: 'pages-browser-admin@example.com', password: 'Admin-Passw0rd-Long' };
/** The hosted pages' forms (i17-pages). */
const IDENTIFIER = 'input[name="identifier"]';
const PASSWORD = 'input[name="password"]';

/** The link the service mailed to `to` (the last one with `path`), as a person would open it. */
async function mailedLink(smtp: Smtp, to: string, path: 'verify-email' | 'reset-password'): Promise<string> {
  const pattern = new RegExp(`https?://\\S+/${path}\\?token=[A-Za-z0-9_-]+`);
  const links = await waitFor(
    `a ${path} link mailed to ${to}`,
    () => {
      const found = smtp.mails
        .filter((m) => m.to.includes(to))
        .map((m) => pattern.exec(m.text)?.[0])
        .filter((l): l is string => l !== undefined);
      return found.length > 0 ? found : undefined;
    },
    10_000,
  );
  return links[links.length - 1];
}

/**
 * The hosted pages in a real headless Chromium, operated with the keyboard only (Tab, typing,
 * Enter): the mailed verify-email link, the mailed reset-password link, and the account page
 * (sign in, revoke another session, MFA setup showing its QR code). Every page is
 * screenshotted and must log no console error, no page error and no failed request; each
 * outcome is checked over the API as well.
 */
describe('hosted pages in Chromium, keyboard only', () => {
  let app: AppWithAdmin & { smtp: Smtp; issuer: string };
  let b: TestBrowser;

  before(
    async () => {
      await relyingPartyTools('chromium');
      app = await startOidcApp(ADMIN);
      b = await launchBrowser('hosted-pages');
    },
    { timeout: TOOLS_TIMEOUT_MS },
  );
  after(async () => {
    if (b !== undefined) console.log(`hosted-pages screenshots:\n  ${b.screenshots.join('\n  ')}`);
    await b?.close();
    await app?.close();
  });

  /** Opens `url`, screenshots it and checks it reported nothing. */
  async function open(url: string, name: string): Promise<Page> {
    const page = await b.newPage();
    const from = b.problems.length;
    const res = await page.goto(url, { waitUntil: 'load' });
    assert.equal(res?.status(), 200, `${url} answered ${res?.status()}`);
    await b.screenshot(page, name);
    b.assertNoProblems(name, from);
    return page;
  }

  /** Presses Enter on what has the focus, then screenshots the page it lands on. */
  async function submit(page: Page, name: string): Promise<void> {
    const from = b.problems.length;
    const res = await pressEnterAndWait(page);
    assert.ok(res === null || res.status() < 400, `${name}: ${res?.status()} at ${page.url()}`);
    await b.screenshot(page, name);
    b.assertNoProblems(name, from);
  }

  it('the mailed verify-email link confirms the address with a key press', async () => {
    const user = await registerAndLogin(app.t.url);
    const page = await open(await mailedLink(app.smtp, user.identity.email, 'verify-email'), 'verify-email');
    // The GET alone spends nothing (a mail scanner may follow links).
    assert.equal((await http(app.t.url, 'GET', '/api/v1/users/me', { token: user.access })).body.is_verified, false);
    await tabTo(page, '#verify-email-submit');
    await submit(page, 'verify-email-done');
    const me = await http(app.t.url, 'GET', '/api/v1/users/me', { token: user.access });
    assert.equal(me.body.is_verified, true);
  });

  it('the mailed reset-password link sets a new password typed with the keyboard', async () => {
    const user = await registerAndLogin(app.t.url);
    const forgot = await http(app.t.url, 'POST', '/api/v1/auth/password/forgot', {
      body: { email: user.identity.email },
    });
    assert.ok(forgot.status < 300, JSON.stringify(forgot.body));
    const page = await open(await mailedLink(app.smtp, user.identity.email, 'reset-password'), 'reset-password');
    const fresh = newIdentity().password;
    await typeInto(page, '#new_password', fresh);
    await typeInto(page, '#confirm_password', fresh);
    await submit(page, 'reset-password-done');
    const login = (password: string) =>
      http(app.t.url, 'POST', '/api/v1/auth/login', { body: { email: user.identity.email, password } });
    assert.equal((await login(fresh)).status, 200);
    assert.equal((await login(user.identity.password)).status, 401);
  });

  /**
   * Signs `user` in to the account page with the keyboard, through the OpenID provider: /account
   * → /oidc/auth (client `account`, PKCE) → the interaction's sign-in → /account/callback →
   * /account. The page left open is /account.
   */
  async function signInToAccount(user: Account, label: string): Promise<Page> {
    const page = await b.newPage();
    const from = b.problems.length;
    const visited: string[] = [];
    // Every navigation request, each redirect hop included.
    page.on('request', (request) => {
      if (request.isNavigationRequest()) visited.push(new URL(request.url()).pathname);
    });
    await page.goto(`${app.t.url}/account`, { waitUntil: 'load' });
    await page.waitForSelector(IDENTIFIER);
    assert.match(new URL(page.url()).pathname, /^\/oidc\/interaction\//, `the provider's sign-in, at ${page.url()}`);
    await b.screenshot(page, `${label}-sign-in`);
    b.assertNoProblems(`${label} sign-in page`, from);
    await typeInto(page, IDENTIFIER, user.identity.email);
    await typeInto(page, PASSWORD, user.identity.password);
    await submit(page, `${label}-account`);
    assert.equal(new URL(page.url()).pathname, '/account', `expected the account page, at ${page.url()}`);
    assert.ok(visited.includes('/account/callback'), `through the callback: ${visited.join(' → ')}`);
    assert.equal(await page.$eval('#profile-email', (el) => el.textContent?.includes('@')), true);
    return page;
  }

  it('the account page signs out another session with a key press', async () => {
    const user = await registerAndLogin(app.t.url); // session 1: the API's
    const page = await signInToAccount(user, 'sessions'); // session 2: the browser's
    const mine = await http(app.t.url, 'GET', '/api/v1/sessions', { token: user.access });
    assert.equal(mine.status, 200);
    const apiSession = (mine.body.items ?? mine.body).find((s: { current: boolean }) => s.current);
    assert.ok(apiSession, JSON.stringify(mine.body));
    await tabTo(page, `#revoke-${apiSession.id}`, 60);
    await submit(page, 'sessions-revoked');
    assert.equal(await page.$(`#session-${apiSession.id}`), null, 'the revoked session is still listed');
    // The API's token died with its session, at once.
    assert.equal((await http(app.t.url, 'GET', '/api/v1/users/me', { token: user.access })).status, 401);
  });

  it('the account page sets up MFA with the keyboard: the QR code shows and the code confirms', async () => {
    const user = await registerAndLogin(app.t.url);
    const page = await signInToAccount(user, 'mfa');
    await tabTo(page, '#mfa-setup-submit', 60);
    await submit(page, 'mfa-setup-qr');
    const qr = await page.$eval('#mfa-qr', (img) => {
      const el = img as unknown as { complete: boolean; naturalWidth: number; getAttribute(n: string): string | null };
      return { complete: el.complete, width: el.naturalWidth, alt: el.getAttribute('alt') ?? '' };
    });
    assert.ok(qr.complete && qr.width > 0, `the QR image did not render: ${JSON.stringify(qr)}`);
    assert.notEqual(qr.alt, '', 'the QR image has no text alternative');
    const secret = (await page.$eval('#mfa-secret', (el) => el.textContent ?? '')).replace(/\s+/g, '');
    await typeInto(page, '#mfa-code', freshCode(secret));
    await submit(page, 'mfa-recovery-codes');
    assert.ok((await page.$$('#recovery-codes li')).length > 0, 'no recovery codes shown');
    const me = await http(app.t.url, 'GET', '/api/v1/users/me', { token: user.access });
    assert.equal(me.body.mfa_enabled, true);
  });

  it('the account page signs out with a key press; the next visit asks for the password again', async () => {
    const user = await registerAndLogin(app.t.url);
    const page = await signInToAccount(user, 'signout');
    await tabTo(page, '#signout-submit', 80);
    await submit(page, 'signout-done');
    await page.goto(`${app.t.url}/account`, { waitUntil: 'load' });
    await page.waitForSelector(IDENTIFIER);
    assert.match(new URL(page.url()).pathname, /^\/oidc\/interaction\//, `signed out, at ${page.url()}`);
  });
});
