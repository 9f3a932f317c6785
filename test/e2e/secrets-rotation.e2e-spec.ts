import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startTestApp, testPrefix, type TestApp } from '../utils/app.js';
import { registerAndLogin } from '../utils/factories.js';
import { http } from '../utils/http.js';

const run = promisify(execFile);
const GENERATE = new URL('../../src/cli/keys-generate.js', import.meta.url).pathname;

/** `NAME=value` lines of a .env file (comments skipped). */
function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m !== null) env[m[1]] = m[2];
  }
  return env;
}

const generate = async (...args: string[]): Promise<string> =>
  (await run(process.execPath, [GENERATE, ...args])).stdout;

const kidOf = (jwt: string): string =>
  (JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString()) as { kid: string }).kid;

describe('secrets by command (npm run keys:generate)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'us-keys-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every production secret as .env lines and a Secret manifest, readable by its owner only', async () => {
    const out = await generate('--out', dir, '--name', 'my-secrets');
    assert.match(out, /secrets\.env/);
    const env = parseEnv(readFileSync(join(dir, 'secrets.env'), 'utf8'));
    assert.deepEqual(Object.keys(env).sort(), [
      'ALLOWED_API_TOKENS',
      'COOKIE_SECRET',
      'DATA_ENCRYPTION_KEYS',
      'JWT_PRIVATE_KEY',
      'JWT_PUBLIC_KEY',
      'MFA_ENCRYPTION_KEY',
    ]);
    assert.match(env.DATA_ENCRYPTION_KEYS, /^k\d{8}[0-9a-f]{4}:[A-Za-z0-9+/]{43}=$/);
    assert.ok(env.ALLOWED_API_TOKENS.length >= 32);
    assert.match(env.COOKIE_SECRET, /^[A-Za-z0-9_-]{43}$/);
    const yaml = readFileSync(join(dir, 'secret.yaml'), 'utf8');
    assert.match(yaml, /^apiVersion: v1\nkind: Secret\nmetadata:\n {2}name: my-secrets\n/);
    for (const name of Object.keys(env)) assert.match(yaml, new RegExp(`^  ${name}: `, 'm'));
    for (const file of ['secrets.env', 'secret.yaml']) assert.equal(statSync(join(dir, file)).mode & 0o777, 0o600);
    // Two runs never draw the same secret.
    const second = parseEnv(await generate());
    for (const name of Object.keys(env)) assert.notEqual(second[name], env[name]);
  });

  it('starts a production-mode configuration with nothing but what it printed', async () => {
    const env = parseEnv(await generate());
    const t = await startTestApp({ env: { ...env } });
    try {
      const u = await registerAndLogin(t.url);
      const jwks = await http(t.url, 'GET', '/.well-known/jwks.json');
      assert.deepEqual(
        (jwks.body.keys as { kid: string }[]).map((k) => k.kid),
        [kidOf(u.access)],
      );
      const byName = `/api/v1/users/by-username/${u.identity.username}`;
      const svc = await http(t.url, 'GET', byName, { headers: { 'x-service-token': env.ALLOWED_API_TOKENS } });
      assert.equal(svc.status, 200, 'the generated service token is accepted');
      const wrong = await http(t.url, 'GET', byName, { headers: { 'x-service-token': `${env.ALLOWED_API_TOKENS}x` } });
      assert.equal(wrong.status, 401);
    } finally {
      await t.close();
    }
  });
});

describe('signing-key rotation against running services (docs/operations.md)', () => {
  const apps: TestApp[] = [];
  let k1: Record<string, string>;
  let k2: Record<string, string>;
  const prefix = testPrefix();
  /** One release of the rotation: who signs, which other public keys it accepts. */
  const release = async (sign: Record<string, string>, previous: string[]): Promise<TestApp> => {
    const app = await startTestApp({
      databaseUrl: apps[0]?.databaseUrl,
      redisPrefix: prefix,
      env: {
        JWT_PRIVATE_KEY: sign.JWT_PRIVATE_KEY,
        JWT_PUBLIC_KEY: sign.JWT_PUBLIC_KEY,
        ...(previous.length === 0 ? {} : { JWT_PREVIOUS_PUBLIC_KEYS: previous.join('\\n') }),
      },
    });
    apps.push(app);
    return app;
  };
  before(async () => {
    k1 = parseEnv(await generate('--only', 'signing-key'));
    k2 = parseEnv(await generate('--only', 'signing-key'));
  });
  after(async () => {
    for (const app of apps.reverse()) await app.close();
  });

  it('refuses no token in flight across the three rolls, and the retired key only at the end', async () => {
    const me = (app: TestApp, token: string) => http(app.url, 'GET', '/api/v1/users/me', { token });
    // Before: K1 signs.
    const a = await release(k1, []);
    const u = await registerAndLogin(a.url);
    const kid1 = kidOf(u.access);
    // Roll 1, publish: K1 still signs, K2 is accepted and in the JWKS.
    const b = await release(k1, [k2.JWT_PUBLIC_KEY]);
    const jwks = await http(b.url, 'GET', '/.well-known/jwks.json');
    assert.equal(jwks.body.keys.length, 2);
    assert.equal((await me(b, u.access)).status, 200);
    // Roll 2, switch: K2 signs, K1 accepted. During the roll B and C serve side by side.
    const c = await release(k2, [k1.JWT_PUBLIC_KEY]);
    const refreshed = await http(c.url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: u.refresh } });
    assert.equal(refreshed.status, 200);
    const t2 = refreshed.body.access_token as string;
    const kid2 = kidOf(t2);
    assert.notEqual(kid2, kid1);
    for (const app of [b, c]) {
      assert.equal((await me(app, u.access)).status, 200, 'a K1 token on every pod of roll 2');
      assert.equal((await me(app, t2)).status, 200, 'a K2 token on every pod of roll 2');
    }
    // Roll 3, retire (after the access-token lifetime): K2 only. A K1 token, by now expired
    // in real life, is refused; K2 tokens keep working.
    const d = await release(k2, []);
    assert.equal((await me(d, t2)).status, 200);
    const old = await me(d, u.access);
    assert.equal(old.status, 401);
    assert.equal(old.body.error_code, 'USER_1006');
    const finalJwks = await http(d.url, 'GET', '/.well-known/jwks.json');
    assert.deepEqual(
      (finalJwks.body.keys as { kid: string }[]).map((k) => k.kid),
      [kid2],
    );
  });
});
