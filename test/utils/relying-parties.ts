import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AppWithAdmin, type Credentials, type Smtp, startWithAdmin } from './factories.js';
import { http } from './http.js';
import { freePort } from './service-process.js';
import { waitFor } from './wait.js';

const ROOT = new URL('../../..', import.meta.url).pathname;
const TOOLS = `${ROOT}scripts/relying-parties/tools.sh`;
/** A cold oauth2-proxy build is minutes on 2 shared cores; warm, the script answers in a second. */
export const TOOLS_TIMEOUT_MS = 900_000;

type Tool = 'chromium' | 'oauth2-proxy' | 'authlib';

/**
 * Installs (when missing) and locates the tools the relying-party tests use, through
 * scripts/relying-parties/tools.sh, and exports the paths it prints (RP_CHROMIUM_BIN,
 * RP_OAUTH2_PROXY_BIN, RP_AUTHLIB_PYTHON) into process.env. Call it in `before` with
 * `{ timeout: TOOLS_TIMEOUT_MS }`.
 */
export async function relyingPartyTools(...tools: Tool[]): Promise<Record<string, string>> {
  const child = spawn('bash', [TOOLS, ...tools], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, `scripts/relying-parties/tools.sh ${tools.join(' ')} failed:\n${err.slice(-8000)}`);
  const found: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const match = /^(RP_[A-Z0-9_]+)=(.+)$/.exec(line.trim());
    if (match !== null) found[match[1]] = match[2];
  }
  Object.assign(process.env, found);
  return found;
}

/** What the tiny upstream behind oauth2-proxy received. */
export interface UpstreamHit {
  path: string;
  headers: IncomingHttpHeaders;
}

/** A tiny upstream that answers a plain page and records every request's headers. */
export async function startUpstream(): Promise<{ url: string; hits: UpstreamHit[]; close(): Promise<void> }> {
  const hits: UpstreamHit[] = [];
  const server: Server = createServer((req, res) => {
    hits.push({ path: req.url ?? '/', headers: req.headers });
    const user = req.headers['x-forwarded-email'] ?? req.headers['x-forwarded-user'] ?? 'nobody';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Upstream</title></head>` +
        `<body><main><h1>Upstream</h1><p id="who">${String(user).replace(/[<>&"]/g, '')}</p></main></body></html>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface OAuth2Proxy {
  url: string;
  child: ChildProcess;
  output(): string;
  close(): Promise<void>;
}

/**
 * oauth2-proxy (the binary tools.sh built) on a free loopback port in front of `upstream`,
 * with the generic OIDC provider pointed at our issuer. Flags for an http loopback issuer:
 * `--cookie-secure=false` (the cookie would never come back over http), and
 * `--insecure-oidc-allow-unverified-email` (test users have not clicked their mail link);
 * nothing else relaxes the OIDC checks: discovery, issuer match, ID token signature against
 * our JWKS, audience, nonce and PKCE (S256) stay on.
 */
export async function startOAuth2Proxy(options: {
  /** Chosen before the client is registered: the callback is its redirect URI. */
  port: number;
  issuer: string;
  clientId: string;
  clientSecret: string;
  upstream: string;
}): Promise<OAuth2Proxy> {
  const bin = process.env.RP_OAUTH2_PROXY_BIN;
  assert.ok(bin, "RP_OAUTH2_PROXY_BIN is not set: call relyingPartyTools('oauth2-proxy') first");
  const { port } = options;
  const url = `http://127.0.0.1:${port}`;
  const args = [
    `--http-address=127.0.0.1:${port}`,
    '--provider=oidc',
    `--oidc-issuer-url=${options.issuer}`,
    `--client-id=${options.clientId}`,
    `--client-secret=${options.clientSecret}`,
    `--redirect-url=${url}/oauth2/callback`,
    `--upstream=${options.upstream}`,
    '--scope=openid email profile',
    '--code-challenge-method=S256',
    '--email-domain=*',
    `--cookie-secret=${randomBytes(16).toString('hex')}`,
    '--cookie-secure=false',
    '--insecure-oidc-allow-unverified-email',
    // oauth2-proxy skips the nonce check unless told otherwise; ours is checked.
    '--insecure-oidc-skip-nonce=false',
    // Straight to our sign-in page: no "Sign in with OpenID Connect" button page in between.
    '--skip-provider-button=true',
    '--pass-user-headers=true',
    '--set-xauthrequest=true',
    '--reverse-proxy=false',
  ];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(
    'oauth2-proxy to answer /ping',
    async () => {
      if (child.exitCode !== null) throw new Error(`oauth2-proxy exited ${child.exitCode}:\n${out.slice(-4000)}`);
      return (await fetch(`${url}/ping`).catch(() => null))?.status === 200;
    },
    30_000,
  );
  return {
    url,
    child,
    output: () => out,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The admin route of the OAuth clients (i17-oidc). */
const CLIENTS_PATH = '/api/v1/oauth-clients';

export interface RegisteredClient {
  clientId: string;
  clientSecret: string;
}

/** Registers an OAuth client through the admin route, as an operator would. */
export async function registerClient(
  base: string,
  adminToken: string,
  body: Record<string, unknown>,
): Promise<RegisteredClient> {
  const res = await http(base, 'POST', CLIENTS_PATH, { token: adminToken, body });
  assert.equal(res.status, 201, `client registration: ${res.status} ${JSON.stringify(res.body)}`);
  return { clientId: res.body.client_id, clientSecret: res.body.client_secret };
}

/** The service on a fixed loopback port with PUBLIC_URL set, so its issuer is `<url>/oidc` from the start. */
export async function startOidcApp(admin: Credentials): Promise<AppWithAdmin & { smtp: Smtp; issuer: string }> {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const app = await startWithAdmin(admin, { smtp: true, port, env: { PUBLIC_URL: publicUrl } });
  return { ...app, issuer: `${publicUrl}/oidc` };
}
