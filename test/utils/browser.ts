import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type HTTPRequest, type HTTPResponse, type Page } from 'puppeteer-core';

/**
 * A real headless Chromium (Debian's package, found by scripts/relying-parties/tools.sh)
 * driven by puppeteer-core, for the browser tests of the hosted pages and the relying
 * parties. Each browser has a private profile directory (removed on close); every page it
 * opens reports its console errors, uncaught page errors and failed requests into
 * `problems`; screenshots go under test-results/screenshots/<suite>/ (gitignored) and
 * their paths are kept in `screenshots` for the test to print.
 */

const ROOT = new URL('../../..', import.meta.url).pathname;
/** Where the screenshots of a run are kept (test-results/ is gitignored). */
const SCREENSHOT_ROOT = join(ROOT, 'test-results', 'screenshots');

export interface TestBrowser {
  browser: Browser;
  /** Console errors, page errors and failed requests of every page, in order, as one line each. */
  problems: string[];
  /** Absolute paths of the screenshots taken, in order. */
  screenshots: string[];
  /** A page in a fresh browser context of its own (no cookies shared with other pages): one per user. */
  newPage(): Promise<Page>;
  /** A full-page PNG named `<nn>-<name>.png` in this suite's directory; returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  /** Fails with the problems seen since `from` (an index into `problems`), naming `where`. */
  assertNoProblems(where: string, from?: number): void;
  close(): Promise<void>;
}

/** Chromium's own background traffic (updates, sync, safe browsing) would be refused on this network and read as failures. */
const CHROMIUM_ARGS = [
  '--no-sandbox', // root in CI; the profile is throwaway and only loopback pages are opened
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-features=Translate,MediaRouter,OptimizationHints',
  '--window-size=1024,800',
];

const live = new Set<number>();
/** The problems list of the browser each page belongs to, for the error of a navigation that never ends. */
const problemsOf = new WeakMap<Page, string[]>();
process.once('exit', () => {
  // A test that failed before close(): the browser must not outlive the run.
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function describeRequest(request: HTTPRequest): string {
  return `${request.method()} ${request.url()}`;
}

export async function launchBrowser(suite: string): Promise<TestBrowser> {
  const executablePath = process.env.RP_CHROMIUM_BIN;
  assert.ok(executablePath, 'RP_CHROMIUM_BIN is not set: call relyingPartyTools() first');
  const profile = mkdtempSync(join(tmpdir(), 'user-service-chromium-'));
  const dir = join(SCREENSHOT_ROOT, suite);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    userDataDir: profile,
    args: CHROMIUM_ARGS,
    // The test runner owns the signals; close() and the exit hook end the browser by PID.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    defaultViewport: { width: 1024, height: 800 },
  });
  const pid = browser.process()?.pid;
  if (pid !== undefined) live.add(pid);

  const problems: string[] = [];
  const screenshots: string[] = [];
  let shot = 0;

  const watch = (page: Page): void => {
    problemsOf.set(page, problems);
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error on ${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => {
      problems.push(`page error on ${page.url()}: ${error instanceof Error ? error.message : String(error)}`);
    });
    page.on('requestfailed', (request) => {
      const reason = request.failure()?.errorText ?? 'failed';
      // A navigation the page itself replaced (a redirect chain, a form posted twice) is aborted by design.
      if (reason === 'net::ERR_ABORTED' && request.isNavigationRequest()) return;
      problems.push(`request failed: ${describeRequest(request)}: ${reason}`);
    });
    page.on('response', (response: HTTPResponse) => {
      // Sub-resources (styles, images, scripts) must load; a page answering 4xx is the test's to judge.
      const request = response.request();
      if (response.status() >= 400 && !request.isNavigationRequest()) {
        problems.push(`sub-resource ${describeRequest(request)} answered ${response.status()}`);
      }
    });
  };

  return {
    browser,
    problems,
    screenshots,
    async newPage() {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      watch(page);
      return page;
    },
    async screenshot(page, name) {
      shot += 1;
      const path = join(dir, `${String(shot).padStart(2, '0')}-${name.replace(/[^a-z0-9-]+/gi, '-')}.png`);
      await page.screenshot({ path, fullPage: true });
      screenshots.push(path);
      return path;
    },
    assertNoProblems(where, from = 0) {
      const seen = problems.slice(from);
      assert.deepEqual(seen, [], `${where}: the browser reported problems`);
    },
    async close() {
      await browser.close().catch(() => undefined);
      if (pid !== undefined) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // closed
        }
        live.delete(pid);
      }
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The little of the DOM the helpers read inside the page (tsconfig has no DOM library: the tests run in Node). */
interface PageDocument {
  activeElement: {
    tagName: string;
    id: string;
    getAttribute(name: string): string | null;
    matches(selector: string): boolean;
  } | null;
}

/** What has the keyboard focus: `tag[name=..]#id` of document.activeElement. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = (globalThis as unknown as { document: PageDocument }).document.activeElement;
    if (el === null) return '';
    const name = el.getAttribute('name');
    return `${el.tagName.toLowerCase()}${name === null ? '' : `[name=${name}]`}${el.id === '' ? '' : `#${el.id}`}`;
  });
}

/**
 * Presses Tab (only the keyboard) until the element matching `selector` has the focus;
 * fails when it is not reached within `maxTabs` presses (not keyboard-reachable).
 */
export async function tabTo(page: Page, selector: string, maxTabs = 25): Promise<void> {
  const isFocused = (): Promise<boolean> =>
    page.evaluate((s) => {
      const el = (globalThis as unknown as { document: PageDocument }).document.activeElement;
      return el !== null && el.matches(s);
    }, selector);
  for (let i = 0; i < maxTabs; i += 1) {
    if (await isFocused()) return;
    await page.keyboard.press('Tab');
  }
  assert.ok(
    await isFocused(),
    `${selector} not reached with ${maxTabs} presses of Tab on ${page.url()} (focus on ${await focused(page)})`,
  );
}

/** Tabs to `selector`, then types `text` with the keyboard. */
export async function typeInto(page: Page, selector: string, text: string): Promise<void> {
  await tabTo(page, selector);
  await page.keyboard.type(text);
}

/**
 * Presses Enter and waits for the navigation it starts (through any redirects) to load; a
 * navigation that never ends fails naming the URL it stopped at and what the browser reported.
 */
export async function pressEnterAndWait(page: Page): Promise<HTTPResponse | null> {
  const problems = problemsOf.get(page) ?? [];
  const from = problems.length;
  try {
    const [response] = await Promise.all([
      page.waitForNavigation({ waitUntil: 'load', timeout: 30_000 }),
      page.keyboard.press('Enter'),
    ]);
    return response;
  } catch (error) {
    throw new Error(
      `Enter on ${page.url()} started no navigation that loaded: ${String(error)}\n` +
        `the browser reported: ${JSON.stringify(problems.slice(from), null, 2)}`,
      { cause: error },
    );
  }
}
