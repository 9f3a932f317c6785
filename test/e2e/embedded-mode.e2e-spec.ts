import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { http, newIdentity } from '../utils/http.js';

const MAIN = new URL('../../src/main.js', import.meta.url).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** `npm start` with nothing configured: only DATA_DIR and the port are set. */
function startService(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const clean: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    LOG_LEVEL: 'warn',
    ...env,
  };
  const child = spawn(process.execPath, [MAIN], { env: clean, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitReady(url: string, deadlineMs = 60_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/health/readiness`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('service did not become ready');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('embedded mode (nothing configured)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'user-service-embedded-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves the API on the embedded database and keeps the data across a restart', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' };
    const id = newIdentity();
    const first = startService(env);
    try {
      await waitReady(url);
      assert.equal((await http(url, 'POST', '/api/v1/auth/register', { body: id })).status, 201);
      const stats = await http(url, 'GET', '/stats');
      assert.equal(stats.body.events.broker, 'disabled');
      assert.ok(stats.body.events.outbox_pending >= 1, 'events stay in the outbox');
      assert.equal((await fetch(`${url}/docs`)).status, 200);
    } finally {
      first.child.kill('SIGTERM');
    }
    assert.equal(await first.exited, 0, first.output());

    const second = startService(env);
    try {
      await waitReady(url);
      const login = await http(url, 'POST', '/api/v1/auth/login', { body: { email: id.email, password: id.password } });
      assert.equal(login.status, 200, 'the user survived the restart');
      const me = await http(url, 'GET', '/api/v1/users/me', { token: login.body.access_token });
      assert.equal(me.body.email, id.email);
      const jwks = await http(url, 'GET', '/.well-known/jwks.json');
      assert.equal(jwks.body.keys.length, 1, 'the generated key was kept under DATA_DIR');
    } finally {
      second.child.kill('SIGTERM');
    }
    assert.equal(await second.exited, 0, second.output());
  });

  it('refuses to start in production without the database, Redis and keys, naming them', async () => {
    const run = startService({ NODE_ENV: 'production', DATA_DIR: dataDir, PORT: String(await freePort()) });
    const code = await run.exited;
    assert.equal(code, 1);
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'JWT_PRIVATE_KEY']) assert.match(run.output(), new RegExp(name));
  });

  it('refuses a bad value naming the variable', async () => {
    const run = startService({ DATA_DIR: dataDir, PORT: 'not-a-port' });
    assert.equal(await run.exited, 1);
    assert.match(run.output(), /PORT/);
  });
});
