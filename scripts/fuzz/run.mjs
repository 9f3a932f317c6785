// Driven by scripts/fuzz/run.sh (which provides the services and Schemathesis): starts the
// built service in production mode on a fresh database, signs up a user, then runs
// Schemathesis over /docs-json once as that user and once as the bootstrap admin.
// Exit code 0 when both passes pass. Knobs in run.sh's header.
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const root = new URL('../..', import.meta.url).pathname;
const adminUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
const st = process.env.FUZZ_ST;
const examples = process.env.FUZZ_EXAMPLES ?? '40';
const seed = process.env.FUZZ_SEED ?? '';
const extra = process.argv.slice(2);
if (!adminUrl || !redisUrl || !st) {
  console.error('[fuzz] run through scripts/fuzz/run.sh (TEST_DATABASE_URL, TEST_REDIS_URL, FUZZ_ST)');
  process.exit(2);
}

const log = (msg) => process.stderr.write(`[fuzz] ${msg}\n`);
const tag = randomBytes(4).toString('hex');
const dbName = `user_service_test_fuzz_${tag}`;
const workdir = process.env.FUZZ_WORKDIR ?? mkdtempSync(join(tmpdir(), 'user-service-fuzz-'));
const reportDir = process.env.FUZZ_REPORT_DIR ?? workdir;
mkdirSync(reportDir, { recursive: true });

const credentials = {
  user: { email: `fuzz-user-${tag}@example.com`, password: `Fuzz-User-${tag}-Pass9!` },
  admin: { email: `fuzz-admin-${tag}@example.com`, password: `Fuzz-Admin-${tag}-Pass9!` },
};
const serviceToken = `fuzz-service-token-${randomBytes(16).toString('hex')}`;

async function admin(sql) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
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

async function waitReady(base, child, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}`);
    const ok = await fetch(`${base}/health/readiness`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the service was not ready within ${ms / 1000} s`);
}

async function login(base, who) {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(who),
  });
  if (res.status !== 200) throw new Error(`login of ${who.email} answered ${res.status}: ${await res.text()}`);
  const { access_token: token } = await res.json();
  const me = await fetch(`${base}/api/v1/users/me`, { headers: { authorization: `Bearer ${token}` } });
  return (await me.json()).id;
}

function runPass(name, base, who, protectedIds) {
  const args = [
    '--config-file',
    join(root, 'scripts/fuzz/schemathesis.toml'),
    'run',
    `${base}/docs-json`,
    '--url',
    base,
    '--max-examples',
    examples,
    '--phases',
    'examples,coverage,fuzzing',
    '--generation-database',
    'none',
    '--no-color',
    '--report',
    'junit',
    '--report-junit-path',
    join(reportDir, `fuzz-${name}.xml`),
    ...(seed === '' ? [] : ['--seed', seed]),
    ...extra,
  ];
  log(`${name} pass: st ${args.join(' ')}`);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(st, args, {
      cwd: workdir, // Schemathesis keeps its caches in the working directory: not in the tree
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        FUZZ_EMAIL: who.email,
        FUZZ_PASSWORD: who.password,
        FUZZ_SERVICE_TOKEN: serviceToken,
        FUZZ_PROTECTED_IDS: protectedIds.join(','),
        SCHEMATHESIS_HOOKS: join(root, 'scripts/fuzz/hooks.py'),
        PYTHONDONTWRITEBYTECODE: '1', // no __pycache__ beside hooks.py in the tree
      },
    });
    child.on('exit', (code) => {
      log(`${name} pass: exit ${code} in ${Math.round((Date.now() - started) / 1000)} s`);
      resolve(code === 0);
    });
  });
}

const started = Date.now();
await admin(`CREATE DATABASE ${dbName}`);
const dbUrl = new URL(adminUrl);
dbUrl.pathname = `/${dbName}`;
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const serviceLog = join(reportDir, 'fuzz-service.log');
const logStream = createWriteStream(serviceLog);
const service = spawn(process.execPath, [join(root, 'dist/src/main.js')], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'pipe'],
  env: {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    // Any free port: parallel runs must not collide on the default 9464.
    METRICS_PORT: '0',
    DATABASE_URL: dbUrl.toString(),
    DATABASE_POOL_SIZE: '10',
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: `fuzz${tag}:`,
    JWT_PRIVATE_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
    // Fuzzing sends thousands of requests from one address, and guesses at passwords.
    RATE_LIMIT_ENABLED: 'false',
    MAX_LOGIN_ATTEMPTS: '1000',
    ADMIN_EMAIL: credentials.admin.email,
    ADMIN_PASSWORD: credentials.admin.password,
    // Production refuses to start without a key for the fields sealed at rest.
    DATA_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    COOKIE_SECRET: randomBytes(32).toString('base64url'),
    MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ALLOWED_API_TOKENS: serviceToken,
    SHUTDOWN_TIMEOUT_MS: '5000',
  },
});
service.stdout.pipe(logStream);
service.stderr.pipe(logStream);
const exited = new Promise((resolve) => service.on('exit', (code) => resolve(code)));

let ok = false;
try {
  await waitReady(base, service, 60_000);
  log(`service ready on ${base} (database ${dbName}) in ${Math.round((Date.now() - started) / 1000)} s`);
  const reg = await fetch(`${base}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...credentials.user, name: 'Fuzz User', username: `fuzz${tag}` }),
  });
  if (reg.status !== 201) throw new Error(`sign-up of the fuzz user answered ${reg.status}: ${await reg.text()}`);
  const adminId = await login(base, credentials.admin);
  const userOk = await runPass('user', base, credentials.user, []);
  const adminOk = await runPass('admin', base, credentials.admin, [adminId]);
  ok = userOk && adminOk;
  log(`user pass ${userOk ? 'passed' : 'FAILED'}, admin pass ${adminOk ? 'passed' : 'FAILED'}`);
} catch (error) {
  log(`error: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  service.kill('SIGTERM');
  const timer = setTimeout(() => service.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
  logStream.end();
  if (process.env.FUZZ_KEEP_DB === '1') log(`database kept: ${dbUrl.toString().replace(/:[^:@/]*@/, ':***@')}`);
  else await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((e) => log(`drop failed: ${e.message}`));
  if (!ok) {
    const lines = readFileSync(serviceLog, 'utf8').trim().split('\n');
    log(`service log (last 40 lines of ${serviceLog}):\n${lines.slice(-40).join('\n')}`);
  }
  // A temp dir of ours goes, unless it holds the reports of a failed run.
  if (process.env.FUZZ_WORKDIR === undefined && (reportDir !== workdir || ok)) {
    rmSync(workdir, { recursive: true, force: true });
  } else if (!ok) {
    log(`reports kept in ${reportDir}`);
  }
}
log(`done in ${Math.round((Date.now() - started) / 1000)} s: ${ok ? 'passed' : 'FAILED'}`);
process.exit(ok ? 0 : 1);
