/**
 * `npm run bench`: the service in production mode against local PostgreSQL, Redis and Kafka
 * (from scripts/test-env/run.sh), measured with autocannon, side by side with the physical
 * limits of this machine measured in the same run. Prints a table and writes
 * bench/results/<timestamp>.json. Bounded: every scenario runs BENCH_SECONDS (default 10).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, totalmem } from 'node:os';
import autocannon from 'autocannon';
import pg from 'pg';

const root = new URL('../..', import.meta.url).pathname;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const SEED_USERS = Number(process.env.BENCH_USERS ?? 300);
const PASSWORD = 'Bench-Passw0rd-1';

interface Scenario {
  name: string;
  rps: number;
  p50: number;
  p90: number;
  p97_5: number;
  p99: number;
  errors: number;
  non2xx: number;
  limit?: string;
  ratio?: number;
}

const results: Scenario[] = [];
let rssPeakMb = 0;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

async function waitFor(url: string, ms = 60_000): Promise<void> {
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

async function post(base: string, path: string, body: unknown, token?: string): Promise<any> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${text}`);
  return text === '' ? null : JSON.parse(text);
}

async function run(name: string, opts: autocannon.Options, watchPid?: number): Promise<Scenario> {
  const sampler =
    watchPid === undefined ? undefined : setInterval(() => (rssPeakMb = Math.max(rssPeakMb, rssMb(watchPid))), 250);
  const r = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...opts });
  if (sampler) clearInterval(sampler);
  const scenario: Scenario = {
    name,
    rps: r.requests.average,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p97_5: r.latency.p97_5,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
  results.push(scenario);
  process.stderr.write(
    `[bench] ${name}: ${scenario.rps.toFixed(0)} req/s, p50 ${scenario.p50} ms, p99 ${scenario.p99} ms, non-2xx ${scenario.non2xx}\n`,
  );
  return scenario;
}

function argon2Ceiling(env: Record<string, string>): { verifies_per_second: number; single_verify_ms: number } {
  const out = spawnSync(process.execPath, [`${root}dist/bench/argon2-ceiling.js`], {
    env: { ...process.env, ...env, SECONDS: String(Math.min(SECONDS, 8)) },
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout) as { verifies_per_second: number; single_verify_ms: number };
}

async function bareRedisLimit(redisUrl: string): Promise<Scenario> {
  const child = spawn(process.execPath, [`${root}dist/bench/bare-redis-server.js`], {
    env: { ...process.env, REDIS_URL: redisUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      const m = /READY (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
  });
  try {
    return await run('limit: bare Fastify + 1 Redis GET', { url: `http://127.0.0.1:${port}/bare` });
  } finally {
    child.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  const redisUrl = process.env.TEST_REDIS_URL;
  if (!adminUrl || !redisUrl) throw new Error('run through scripts/test-env/run.sh (npm run bench does)');
  const dbName = `user_service_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;

  const argon2Env = {
    ARGON2_MEMORY_KIB: process.env.ARGON2_MEMORY_KIB ?? '19456',
    ARGON2_TIME_COST: process.env.ARGON2_TIME_COST ?? '2',
    ARGON2_PARALLELISM: process.env.ARGON2_PARALLELISM ?? '1',
  };
  const threadpool = String(Math.max(4, availableParallelism()));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let service: ChildProcess | undefined;
  try {
    service = spawn(process.execPath, [`${root}dist/src/main.js`], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: dbUrl.toString(),
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: `bench${randomBytes(3).toString('hex')}:`,
        ...(process.env.TEST_KAFKA_BROKERS ? { KAFKA_BROKERS: process.env.TEST_KAFKA_BROKERS } : {}),
        JWT_PRIVATE_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
        RATE_LIMIT_ENABLED: 'false',
        MAX_LOGIN_ATTEMPTS: '1000',
        MAX_SESSIONS_PER_USER: '1000',
        UV_THREADPOOL_SIZE: threadpool,
        ...argon2Env,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    await waitFor(`${base}/health/readiness`);
    const pid = service.pid as number;

    process.stderr.write(`[bench] seeding ${SEED_USERS} users\n`);
    const users: { email: string; access: string; refresh: string }[] = [];
    for (let i = 0; i < SEED_USERS; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(20, SEED_USERS - i) }, async (_, j) => {
          const email = `seed${i + j}-${randomBytes(3).toString('hex')}@bench.example.com`;
          await post(base, '/api/v1/auth/register', { email, password: PASSWORD, name: `Seed ${i + j}` });
          const t = await post(base, '/api/v1/auth/login', { email, password: PASSWORD });
          return { email, access: t.access_token as string, refresh: t.refresh_token as string };
        }),
      );
      users.push(...batch);
    }

    // Physical limits first, with the service idle.
    const ceiling = argon2Ceiling({ ...argon2Env, UV_THREADPOOL_SIZE: threadpool });
    process.stderr.write(
      `[bench] argon2 ceiling: ${ceiling.verifies_per_second.toFixed(0)} verifies/s (one verify ${ceiling.single_verify_ms} ms)\n`,
    );
    const bare = await bareRedisLimit(redisUrl);

    let n = 0;
    const register = await run(
      'POST /auth/register',
      {
        url: base,
        requests: [
          {
            method: 'POST',
            path: '/api/v1/auth/register',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({
              ...req,
              body: JSON.stringify({ email: `r${n++}-${pid}@bench.example.com`, password: PASSWORD, name: 'Bench' }),
            }),
          },
        ],
      },
      pid,
    );
    register.limit = 'argon2 ceiling';
    register.ratio = register.rps / ceiling.verifies_per_second;

    let li = 0;
    const login = await run(
      'POST /auth/login',
      {
        url: base,
        requests: [
          {
            method: 'POST',
            path: '/api/v1/auth/login',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({
              ...req,
              body: JSON.stringify({ email: users[li++ % users.length].email, password: PASSWORD }),
            }),
          },
        ],
      },
      pid,
    );
    login.limit = 'argon2 ceiling';
    login.ratio = login.rps / ceiling.verifies_per_second;

    // A pool of refresh chains, twice the connections: each request takes a token, each
    // answer puts the rotated one back. autocannon may build a connection's next request
    // before it reports the previous answer, so a per-connection chain would reuse a
    // spent token (and rightly end its session).
    const pool: string[] = [];
    for (let i = 0; i < CONNECTIONS * 2; i++) {
      const t = await post(base, '/api/v1/auth/login', { email: users[i % users.length].email, password: PASSWORD });
      pool.push(t.refresh_token as string);
    }
    const refresh = await run(
      'POST /auth/refresh',
      {
        url: base,
        requests: [
          {
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
          },
        ],
      },
      pid,
    );
    refresh.limit = 'target 2400/s';
    refresh.ratio = refresh.rps / 2400;

    let mi = 0;
    const meRequest = {
      method: 'GET' as const,
      path: '/api/v1/users/me',
      setupRequest: (req: any) => ({
        ...req,
        headers: { authorization: `Bearer ${users[mi++ % users.length].access}` },
      }),
    };
    const me = await run('GET /users/me', { url: base, requests: [meRequest] }, pid);
    me.limit = 'bare Redis route';
    me.ratio = me.rps / bare.rps;

    // Reads during a login burst: logins at full tilt on half the connections.
    const burst = run(
      'login burst (background)',
      {
        url: base,
        connections: Math.max(4, CONNECTIONS / 2),
        requests: [
          {
            method: 'POST',
            path: '/api/v1/auth/login',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({
              ...req,
              body: JSON.stringify({ email: users[li++ % users.length].email, password: PASSWORD }),
            }),
          },
        ],
      },
      pid,
    );
    const meDuring = await run(
      'GET /users/me during a login burst',
      { url: base, connections: Math.max(4, CONNECTIONS / 2), requests: [meRequest] },
      pid,
    );
    await burst;
    meDuring.limit = 'GET /users/me alone';
    meDuring.ratio = meDuring.rps / me.rps;

    const table = results.map((r) => ({
      scenario: r.name,
      'req/s': Math.round(r.rps),
      'p50 ms': r.p50,
      'p99 ms': r.p99,
      'non-2xx': r.non2xx,
      errors: r.errors,
      limit: r.limit ?? '',
      ratio: r.ratio === undefined ? '' : `${(r.ratio * 100).toFixed(0)} %`,
    }));
    console.table(table);
    console.log(
      `argon2 ceiling ${ceiling.verifies_per_second.toFixed(0)} verifies/s (${JSON.stringify(argon2Env)}, one verify ${ceiling.single_verify_ms} ms); RSS peak ${rssPeakMb.toFixed(0)} MB`,
    );
    const report = {
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model,
        memory_gb: Math.round(totalmem() / 2 ** 30),
        node: process.version,
      },
      settings: {
        seconds: SECONDS,
        connections: CONNECTIONS,
        seed_users: SEED_USERS,
        uv_threadpool_size: threadpool,
        argon2: argon2Env,
        kafka: Boolean(process.env.TEST_KAFKA_BROKERS),
      },
      limits: {
        argon2_verifies_per_second: ceiling.verifies_per_second,
        argon2_single_verify_ms: ceiling.single_verify_ms,
        bare_redis_route_rps: bare.rps,
      },
      scenarios: results,
      rss_peak_mb: rssPeakMb,
    };
    mkdirSync(`${root}bench/results`, { recursive: true });
    const file = `${root}bench/results/${report.date.replace(/[:.]/g, '-')}.json`;
    writeFileSync(file, JSON.stringify(report, null, 2));
    console.log(`written ${file}`);
  } finally {
    service?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
