/** Shared by the benchmark and the soak run: the service in production mode on a fresh database, and seeded users. */
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import type autocannon from 'autocannon';
import pg from 'pg';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const PASSWORD = 'Bench-Passw0rd-1';
export const V8_FLAGS = ['--max-old-space-size=192', '--max-semi-space-size=8'];

/** The secrets production mode requires; a service restarted on the same data must keep them. */
export interface BenchSecrets {
  dataKey: string;
  cookieSecret: string;
  jwtPrivateKey: string;
}

export function newBenchSecrets(): BenchSecrets {
  return {
    dataKey: `bench:${randomBytes(32).toString('base64')}`,
    cookieSecret: randomBytes(32).toString('base64url'),
    jwtPrivateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString(),
  };
}

/**
 * The environment of the service under load, shared by every bench that starts it: production
 * mode on the given database and Redis, every protection on (rate limits counted in Redis on
 * every request, lockout, session checks) with thresholds a load test from one address does
 * not reach. Logging is at `warn`: a success logs at `debug`, so the measured path writes
 * the same at `info` (docs/decisions.md), and the start lines stay out of the bench's output.
 */
export function benchServiceEnv(s: {
  port: number;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  secrets: BenchSecrets;
}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    PORT: String(s.port),
    // Any free port: parallel runs must not collide on the default 9464.
    METRICS_PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: s.databaseUrl,
    REDIS_URL: s.redisUrl,
    REDIS_KEY_PREFIX: s.redisPrefix,
    DATA_ENCRYPTION_KEYS: s.secrets.dataKey,
    COOKIE_SECRET: s.secrets.cookieSecret,
    JWT_PRIVATE_KEY: s.secrets.jwtPrivateKey,
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_LOGIN_PER_MINUTE: '1000000',
    RATE_LIMIT_REGISTER_PER_HOUR: '1000000',
    MAX_LOGIN_ATTEMPTS: '1000',
    MAX_SESSIONS_PER_USER: '1000',
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** utime + stime in ms of /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat (10 ms ticks). */
export function cpuMs(statFile: string): number {
  const fields = readFileSync(statFile, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU time in ms of `pid` and of every process below it (workers, backends). */
export function treeCpuMs(pid: number): number {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return 0;
  let sum = cpuMs(stat);
  const children = `/proc/${pid}/task/${pid}/children`;
  if (existsSync(children)) {
    for (const child of readFileSync(children, 'utf8').trim().split(/\s+/).filter(Boolean))
      sum += treeCpuMs(Number(child));
  }
  return sum;
}

/** The PIDs of the PostgreSQL and Redis that scripts/test-env/run.sh started, when it started them. */
export function testServicePids(): { postgres?: number; redis?: number } {
  const read = (file: string, key: string): number | undefined => {
    const dir = process.env.TEST_ENV_DIR;
    if (dir === undefined || !existsSync(`${dir}/${file}`)) return undefined;
    const m = new RegExp(`^${key}=(\\d+)$`, 'm').exec(readFileSync(`${dir}/${file}`, 'utf8'));
    return m === null ? undefined : Number(m[1]);
  };
  return { postgres: read('postgres.env', 'POSTGRES_PID'), redis: read('redis.env', 'REDIS_PID') };
}

export function rssMb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

export async function waitFor(url: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await fetch(url)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function post(base: string, path: string, body: unknown, token?: string): Promise<any> {
  return send(base, 'POST', path, body, token);
}

async function send(base: string, method: string, path: string, body: unknown, token?: string): Promise<any> {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${text}`);
  return text === '' ? null : JSON.parse(text);
}

export interface RunningService {
  base: string;
  pid: number;
  threadpool: string;
  argon2: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts dist/src/main.js in production mode against run.sh's PostgreSQL, Redis and Kafka.
 * `main` runs another build (bench/tracing-cost.ts compares with the code before tracing);
 * `tracingBootstrap: false` leaves out the `--import` of the tracing bootstrap.
 */
export async function startService(
  extraEnv: Record<string, string> = {},
  options: { main?: string; tracingBootstrap?: boolean; nodeFlags?: string[] } = {},
): Promise<RunningService> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  const redisUrl = process.env.TEST_REDIS_URL;
  if (!adminUrl || !redisUrl) throw new Error('run through scripts/test-env/run.sh (npm run bench does)');
  const dbName = `user_service_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;
  const argon2 = {
    ARGON2_MEMORY_KIB: process.env.ARGON2_MEMORY_KIB ?? '32768',
    ARGON2_TIME_COST: process.env.ARGON2_TIME_COST ?? '2',
    ARGON2_PARALLELISM: process.env.ARGON2_PARALLELISM ?? '1',
  };
  const threadpool = process.env.UV_THREADPOOL_SIZE ?? String(Math.max(4, availableParallelism() + 2));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // The same V8 heap flags and tracing bootstrap as `npm start` and the image (see
  // docs/operations.md); tracing is on only when the bench's environment has OTEL_* set.
  const otel = Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[0].startsWith('OTEL_')),
  );
  const bootstrap = options.tracingBootstrap === false ? [] : ['--import', `${ROOT}dist/src/tracing/register.js`];
  const child = spawn(
    process.execPath,
    [...V8_FLAGS, ...(options.nodeFlags ?? []), ...bootstrap, options.main ?? `${ROOT}dist/src/main.js`],
    {
      env: {
        ...benchServiceEnv({
          port,
          databaseUrl: dbUrl.toString(),
          redisUrl,
          redisPrefix: `bench${randomBytes(3).toString('hex')}:`,
          secrets: newBenchSecrets(),
        }),
        ...(process.env.TEST_KAFKA_BROKERS ? { KAFKA_BROKERS: process.env.TEST_KAFKA_BROKERS } : {}),
        UV_THREADPOOL_SIZE: threadpool,
        ...argon2,
        ...otel,
        ...extraEnv,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  await waitFor(`${base}/health/readiness`);
  return {
    base,
    pid: child.pid as number,
    threadpool,
    argon2,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
    },
  };
}

export interface SeededUser {
  email: string;
  access: string;
  refresh: string;
}

export async function seedUsers(base: string, count: number): Promise<SeededUser[]> {
  const users: SeededUser[] = [];
  for (let i = 0; i < count; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, count - i) }, async (_, j) => {
        const email = `seed${i + j}-${randomBytes(3).toString('hex')}@bench.example.com`;
        await post(base, '/api/v1/auth/register', { email, password: PASSWORD, name: `Seed ${i + j}` });
        const t = await post(base, '/api/v1/auth/login', { email, password: PASSWORD });
        // A full profile: the encrypted fields (phone, business number) are read and written too.
        await send(base, 'PATCH', '/api/v1/users/me', profileOf(i + j), t.access_token as string);
        return { email, access: t.access_token as string, refresh: t.refresh_token as string };
      }),
    );
    users.push(...batch);
  }
  return users;
}

/** Refresh tokens to draw from: each request takes one, each answer puts the rotated one back. */
export async function refreshPool(base: string, users: SeededUser[], size: number): Promise<string[]> {
  const pool: string[] = [];
  for (let i = 0; i < size; i++) {
    const t = await post(base, '/api/v1/auth/login', { email: users[i % users.length].email, password: PASSWORD });
    pool.push(t.refresh_token as string);
  }
  return pool;
}

/** Autocannon requests shared by the benchmarks: each cycles through the seeded users. */
export function loginRequest(users: SeededUser[]): autocannon.Request {
  let i = 0;
  return {
    method: 'POST',
    path: '/api/v1/auth/login',
    headers: { 'content-type': 'application/json' },
    setupRequest: (req) => ({
      ...req,
      body: JSON.stringify({ email: users[i++ % users.length].email, password: PASSWORD }),
    }),
  };
}

export function meRequest(users: SeededUser[]): autocannon.Request {
  let i = 0;
  return {
    method: 'GET',
    path: '/api/v1/users/me',
    setupRequest: (req) => ({ ...req, headers: { authorization: `Bearer ${users[i++ % users.length].access}` } }),
  };
}

const profileOf = (n: number): { phone: string; business_number: string } => ({
  phone: `+82 10-${String(1000 + (n % 9000))}-${String(n % 10000).padStart(4, '0')}`,
  business_number: `${String(100 + (n % 900))}-45-${String(n % 100000).padStart(5, '0')}`,
});

/** Profile updates that change the encrypted fields: one write, one cache invalidation each. */
export function profileUpdateRequest(users: SeededUser[]): autocannon.Request {
  let i = 0;
  return {
    method: 'PATCH',
    path: '/api/v1/users/me',
    setupRequest: (req) => {
      const n = i++;
      return {
        ...req,
        headers: { authorization: `Bearer ${users[n % users.length].access}`, 'content-type': 'application/json' },
        body: JSON.stringify(profileOf(n)),
      };
    },
  };
}

/** Draws from a refresh-token pool and returns each rotated token to it. */
export function refreshRequest(pool: string[]): autocannon.Request {
  return {
    method: 'POST',
    path: '/api/v1/auth/refresh',
    headers: { 'content-type': 'application/json' },
    setupRequest: (req) => ({
      ...req,
      body: JSON.stringify({ refresh_token: pool.shift() ?? 'exhausted-pool-token-000000000' }),
    }),
    onResponse: (status, body) => {
      if (status === 200) pool.push((JSON.parse(body) as { refresh_token: string }).refresh_token);
    },
  };
}
