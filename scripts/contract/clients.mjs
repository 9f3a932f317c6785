// Driven by scripts/contract/clients.sh (which provides the services, the generator jar and
// the Python venv): starts the built service in production mode on a fresh database with a
// test SMTP server, dumps the OpenAPI document it serves, generates a typescript-fetch and a
// python client with openapi-generator, and runs scripts/contract/flow.ts and flow.py
// against the service. Exit code 0 when both flows pass. Knobs in clients.sh's header.
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { copyFileSync, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';

const root = new URL('../..', import.meta.url).pathname;
const adminUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
const jar = process.env.CLIENTS_JAR;
const python = process.env.CLIENTS_PYTHON;
if (!adminUrl || !redisUrl || !jar || !python) {
  console.error('[clients] run through scripts/contract/clients.sh (TEST_DATABASE_URL, TEST_REDIS_URL, CLIENTS_JAR)');
  process.exit(2);
}

const log = (msg) => process.stderr.write(`[clients] ${msg}\n`);
const tag = randomBytes(4).toString('hex');
const dbName = `user_service_test_clients_${tag}`;
const workdir = process.env.CLIENTS_WORKDIR ?? mkdtempSync(join(tmpdir(), 'user-service-clients-'));
mkdirSync(workdir, { recursive: true });
const mailDir = join(workdir, 'mail');
mkdirSync(mailDir, { recursive: true });
const admin = { email: `clients-admin-${tag}@example.com`, password: `Clients-Admin-${tag}-Pass9!` };
const serviceToken = `clients-service-token-${randomBytes(16).toString('hex')}`;

async function sql(statement) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
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

/** Runs a command to its end; resolves with its exit code. Output goes to our stderr. */
function run(label, command, args, options = {}) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
    child.on('error', (error) => {
      log(`${label}: ${error.message}`);
      resolve(1);
    });
    child.on('exit', (code) => {
      log(`${label}: exit ${code} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      resolve(code ?? 1);
    });
  });
}

/** A real SMTP server on loopback; each mail becomes mail/<n>.json ({to, text}) for the flows to read. */
async function startSmtp() {
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', () => {
        // Quoted-printable soft breaks and escapes undone, so links read whole.
        const text = Buffer.concat(chunks)
          .toString('utf8')
          .replace(/=\r?\n/g, '')
          .replace(/=([0-9A-F]{2})/g, (_m, h) => String.fromCharCode(parseInt(h, 16)));
        const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        count += 1;
        const file = join(mailDir, `${String(count).padStart(5, '0')}.json`);
        writeFileSync(`${file}.tmp`, JSON.stringify({ to, text }));
        // Renamed into place whole, so a reader never sees half a mail.
        copyFileSync(`${file}.tmp`, file);
        rmSync(`${file}.tmp`);
        callback();
      });
    },
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `smtp://127.0.0.1:${server.server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

/** One JVM generates both clients (`batch`): a second JVM start would cost several seconds on 2 cores. */
async function generate(spec) {
  const common = {
    inputSpec: spec,
    // Only the code: no docs, no generated tests, no metadata files.
    globalProperties: { apiDocs: 'false', modelDocs: 'false', apiTests: 'false', modelTests: 'false' },
  };
  const configs = {
    ts: {
      ...common,
      generatorName: 'typescript-fetch',
      outputDir: join(workdir, 'ts/client'),
      additionalProperties: { supportsES6: true, importFileExtension: '.js' },
    },
    py: {
      ...common,
      generatorName: 'python',
      outputDir: join(workdir, 'py'),
      additionalProperties: { packageName: 'user_service_client', projectName: 'user-service-client' },
    },
  };
  const files = Object.entries(configs).map(([name, config]) => {
    const file = join(workdir, `generator-${name}.json`);
    writeFileSync(file, JSON.stringify(config, null, 2));
    return file;
  });
  return run('openapi-generator (typescript-fetch, python)', 'java', ['-jar', jar, 'batch', '--fail-fast', ...files], {
    cwd: workdir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** The TypeScript flow compiled with tsc (strict) against the generated client. */
async function buildTsFlow() {
  const dir = join(workdir, 'ts');
  copyFileSync(join(root, 'scripts/contract/flow.ts'), join(dir, 'flow.ts'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        lib: ['ES2023', 'DOM'],
        types: ['node'],
        typeRoots: [join(root, 'node_modules/@types')],
        strict: true,
        skipLibCheck: true,
        outDir: 'out',
        rootDir: '.',
      },
      include: ['flow.ts', 'client/**/*.ts'],
    }),
  );
  return run(
    'tsc (flow.ts + typescript-fetch client)',
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir],
    {
      cwd: dir,
    },
  );
}

const started = Date.now();
let ok = false;
let service;
let exited = Promise.resolve();
let smtp;
const serviceLog = join(workdir, 'service.log');
try {
  await sql(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;
  smtp = await startSmtp();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const logStream = createWriteStream(serviceLog);
  service = spawn(process.execPath, [join(root, 'dist/src/main.js')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: '0',
      PUBLIC_URL: base,
      DATABASE_URL: dbUrl.toString(),
      DATABASE_POOL_SIZE: '5',
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: `clients${tag}:`,
      JWT_PRIVATE_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
      // The flows sign up several users from one address.
      RATE_LIMIT_ENABLED: 'false',
      SMTP_URL: smtp.url,
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      // Production refuses to start without a key for the fields sealed at rest.
      DATA_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      COOKIE_SECRET: randomBytes(32).toString('base64url'),
      ALLOWED_API_TOKENS: serviceToken,
      SHUTDOWN_TIMEOUT_MS: '5000',
    },
  });
  service.stdout.pipe(logStream);
  service.stderr.pipe(logStream);
  exited = new Promise((resolve) => service.on('exit', resolve));
  await waitReady(base, service, 60_000);
  log(`service ready on ${base} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const spec = join(workdir, 'openapi.json');
  const document = await fetch(`${base}/docs-json`).then((r) => r.text());
  writeFileSync(spec, document);
  if ((await generate(spec)) !== 0) throw new Error('openapi-generator failed');
  if ((await buildTsFlow()) !== 0) throw new Error('the TypeScript flow does not compile against the generated client');

  // An imported user's existing hash (argon2id at OWASP's minimum cost) and its password.
  const fixture = JSON.parse(readFileSync(join(root, 'test/fixtures/password-hashes.json'), 'utf8')).hashes.find(
    (h) => h.id === 'argon2id-owasp',
  );
  const flowEnv = {
    ...process.env,
    FLOW_IMPORT_HASH: fixture.hash,
    FLOW_IMPORT_PASSWORD: fixture.password,
    FLOW_BASE_URL: base,
    FLOW_ADMIN_EMAIL: admin.email,
    FLOW_ADMIN_PASSWORD: admin.password,
    FLOW_SERVICE_TOKEN: serviceToken,
    FLOW_MAIL_DIR: mailDir,
    FLOW_OPENAPI: spec,
  };
  const tsOk = (await run('flow.ts', process.execPath, [join(workdir, 'ts/out/flow.js')], { env: flowEnv })) === 0;
  const pyOk =
    (await run('flow.py', python, [join(root, 'scripts/contract/flow.py')], {
      env: { ...flowEnv, PYTHONPATH: join(workdir, 'py'), PYTHONDONTWRITEBYTECODE: '1' },
    })) === 0;
  ok = tsOk && pyOk;
  log(`typescript-fetch flow ${tsOk ? 'passed' : 'FAILED'}, python flow ${pyOk ? 'passed' : 'FAILED'}`);
} catch (error) {
  log(`error: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  if (service !== undefined) {
    service.kill('SIGTERM');
    const timer = setTimeout(() => service.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
  await smtp?.close();
  await sql(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((e) => log(`drop failed: ${e.message}`));
  if (!ok) {
    const lines = (() => {
      try {
        return readFileSync(serviceLog, 'utf8').trim().split('\n');
      } catch {
        return [];
      }
    })();
    log(`service log (last 30 lines):\n${lines.slice(-30).join('\n')}`);
  }
  if (process.env.CLIENTS_WORKDIR === undefined) rmSync(workdir, { recursive: true, force: true });
}
log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${ok ? 'passed' : 'FAILED'}`);
process.exit(ok ? 0 : 1);
