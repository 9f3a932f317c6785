// scripts/contract/dump-openapi.mjs <out.json>: starts the built service (dist/) in embedded
// mode (PGlite in a temp DATA_DIR, in-process stores: no PostgreSQL, Redis or Kafka needed) on
// a free loopback port, writes its served OpenAPI document (/docs-json) to <out.json>, stops it.
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/contract/dump-openapi.mjs <out.json>');
  process.exit(2);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

const dataDir = mkdtempSync(join(tmpdir(), 'user-service-contract-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
let output = '';
const service = spawn(process.execPath, [join(root, 'dist/src/main.js')], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'pipe'],
  env: {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    METRICS_PORT: '0',
    DATA_DIR: dataDir,
    PUBLIC_URL: process.env.CONTRACT_PUBLIC_URL ?? 'https://users.platform.test',
    JWT_PRIVATE_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
  },
});
service.stdout.on('data', (d) => (output += d.toString()));
service.stderr.on('data', (d) => (output += d.toString()));
const exited = new Promise((resolve) => service.on('exit', resolve));

let ok = false;
try {
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (service.exitCode !== null) throw new Error(`the service exited with ${service.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`the service was not up within 90 s:\n${output}`);
    const res = await fetch(`${base}/docs-json`).catch(() => undefined);
    if (res?.status === 200) {
      writeFileSync(out, JSON.stringify(await res.json(), null, 2));
      ok = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
} catch (error) {
  console.error(`[contract] ${error instanceof Error ? error.message : String(error)}`);
} finally {
  service.kill('SIGTERM');
  const timer = setTimeout(() => service.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
