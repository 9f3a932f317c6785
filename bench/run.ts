/**
 * `npm run bench`: the service in production mode against local PostgreSQL, Redis and Kafka
 * (from scripts/test-env/run.sh), measured with autocannon, side by side with the physical
 * limits of this machine measured in the same run. Prints a table and writes
 * bench/results/<timestamp>.json. Bounded: every scenario runs BENCH_SECONDS (default 10);
 * three services one after another (~4 minutes in all): every scenario at the configured
 * argon2 cost; login at OWASP's minimum cost (m=19 MiB, t=2) against that cost's own
 * ceiling; refresh and reads with WORKERS=2.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import autocannon from 'autocannon';
import {
  loginRequest,
  meRequest,
  PASSWORD,
  profileUpdateRequest,
  refreshPool,
  refreshRequest,
  ROOT,
  rssMb,
  seedUsers,
  startService,
  treeCpuMs,
} from './harness.js';

const root = ROOT;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const SEED_USERS = Number(process.env.BENCH_USERS ?? 300);

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
  /** Share of the machine's CPU left idle during the scenario (every core counted). */
  idlePct?: number;
  /** Cores the service (its process and its workers) used on average. */
  serviceCores?: number;
  /** Cores this process (autocannon, the load generator) used on average. */
  loadCores?: number;
}

const results: Scenario[] = [];
let rssPeakMb = 0;

/** The machine's CPU time so far, all cores, in jiffies: in all and idle (iowait counted idle). */
function machineJiffies(): { total: number; idle: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { total, idle: (fields[3] ?? 0) + (fields[4] ?? 0) };
}

async function run(
  name: string,
  opts: autocannon.Options,
  watchPid?: number,
  servicePid = watchPid,
): Promise<Scenario> {
  const sampler =
    watchPid === undefined ? undefined : setInterval(() => (rssPeakMb = Math.max(rssPeakMb, rssMb(watchPid))), 250);
  const machineBefore = machineJiffies();
  const serviceBefore = servicePid === undefined ? 0 : treeCpuMs(servicePid);
  const loadBefore = process.cpuUsage();
  const startedAt = process.hrtime.bigint();
  const r = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...opts });
  if (sampler) clearInterval(sampler);
  const wallSeconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  const machineAfter = machineJiffies();
  const load = process.cpuUsage(loadBefore);
  const scenario: Scenario = {
    name,
    rps: r.requests.average,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p97_5: r.latency.p97_5,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    idlePct: (100 * (machineAfter.idle - machineBefore.idle)) / Math.max(1, machineAfter.total - machineBefore.total),
    serviceCores: servicePid === undefined ? undefined : (treeCpuMs(servicePid) - serviceBefore) / 1000 / wallSeconds,
    loadCores: (load.user + load.system) / 1e6 / wallSeconds,
  };
  results.push(scenario);
  const cpu = `idle ${scenario.idlePct?.toFixed(0)} %, service ${scenario.serviceCores?.toFixed(2) ?? '?'} cores, load generator ${scenario.loadCores?.toFixed(2)} cores`;
  process.stderr.write(
    `[bench] ${name}: ${scenario.rps.toFixed(0)} req/s, p50 ${scenario.p50} ms, p99 ${scenario.p99} ms, non-2xx ${scenario.non2xx}; ${cpu}\n`,
  );
  return scenario;
}

interface Ceiling {
  verifies_per_second: number;
  single_verify_ms: number;
}

/** OWASP's minimum argon2id cost, measured beside the configured one (issue 18). */
const OWASP_MINIMUM = { ARGON2_MEMORY_KIB: '19456', ARGON2_TIME_COST: '2', ARGON2_PARALLELISM: '1' };
/** Users seeded for the extra passes (login at the minimum cost, WORKERS=2): enough to cycle through. */
const EXTRA_USERS = Number(process.env.BENCH_EXTRA_USERS ?? 64);

function argon2Ceiling(env: Record<string, string>): Ceiling {
  const out = spawnSync(process.execPath, [`${root}dist/bench/argon2-ceiling.js`], {
    env: { ...process.env, ...env, SECONDS: String(Math.min(SECONDS, 8)) },
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout) as Ceiling;
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
    return await run(
      'limit: bare Fastify + 1 Redis GET',
      { url: `http://127.0.0.1:${port}/bare` },
      undefined,
      child.pid,
    );
  } finally {
    child.kill('SIGTERM');
  }
}

/** Every scenario on one process at the configured argon2 cost, beside the limits measured first. */
async function oneProcess(): Promise<{ ceiling: Ceiling; bare: Scenario; me: Scenario; refresh: Scenario }> {
  const service = await startService();
  const { base, pid, threadpool, argon2: argon2Env } = service;
  try {
    process.stderr.write(`[bench] seeding ${SEED_USERS} users\n`);
    const users = await seedUsers(base, SEED_USERS);

    // Physical limits first, with the service idle.
    const ceiling = argon2Ceiling({ ...argon2Env, UV_THREADPOOL_SIZE: threadpool });
    process.stderr.write(
      `[bench] argon2 ceiling: ${ceiling.verifies_per_second.toFixed(0)} verifies/s (one verify ${ceiling.single_verify_ms} ms)\n`,
    );
    const bare = await bareRedisLimit(process.env.TEST_REDIS_URL as string);

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

    const login = await run('POST /auth/login', { url: base, requests: [loginRequest(users)] }, pid);
    login.limit = 'argon2 ceiling';
    login.ratio = login.rps / ceiling.verifies_per_second;

    // A pool of refresh chains, twice the connections: each request takes a token, each
    // answer puts the rotated one back. autocannon may build a connection's next request
    // before it reports the previous answer, so a per-connection chain would reuse a
    // spent token (and rightly end its session).
    const pool = await refreshPool(base, users, CONNECTIONS * 2);
    const refresh = await run('POST /auth/refresh', { url: base, requests: [refreshRequest(pool)] }, pid);
    refresh.limit = 'target 3000/s';
    refresh.ratio = refresh.rps / 3000;

    const me = await run('GET /users/me', { url: base, requests: [meRequest(users)] }, pid);
    me.limit = 'bare Redis route';
    me.ratio = me.rps / bare.rps;

    const update = await run(
      'PATCH /users/me (phone, business number)',
      { url: base, requests: [profileUpdateRequest(users)] },
      pid,
    );
    update.limit = 'GET /users/me';
    update.ratio = update.rps / me.rps;

    // Reads during a login burst: logins at full tilt on half the connections.
    const burst = run(
      'login burst (background)',
      { url: base, connections: Math.max(4, CONNECTIONS / 2), requests: [loginRequest(users)] },
      pid,
    );
    const meDuring = await run(
      'GET /users/me during a login burst',
      { url: base, connections: Math.max(4, CONNECTIONS / 2), requests: [meRequest(users)] },
      pid,
    );
    await burst;
    meDuring.limit = 'GET /users/me alone';
    meDuring.ratio = meDuring.rps / me.rps;
    return { ceiling, bare, me, refresh };
  } finally {
    await service.stop();
  }
}

/** Login at OWASP's minimum cost (m=19 MiB, t=2) against its own ceiling, on a service started with that cost. */
async function loginAtMinimumCost(): Promise<Ceiling> {
  const ceiling = argon2Ceiling({ ...OWASP_MINIMUM, UV_THREADPOOL_SIZE: defaultThreadpool() });
  process.stderr.write(
    `[bench] argon2 ceiling at m=19456 KiB t=2: ${ceiling.verifies_per_second.toFixed(0)} verifies/s (one verify ${ceiling.single_verify_ms} ms)\n`,
  );
  const service = await startService(OWASP_MINIMUM);
  try {
    const users = await seedUsers(service.base, EXTRA_USERS);
    const login = await run(
      'POST /auth/login (m=19 MiB, t=2)',
      { url: service.base, requests: [loginRequest(users)] },
      service.pid,
    );
    login.limit = 'argon2 ceiling (m=19 MiB, t=2)';
    login.ratio = login.rps / ceiling.verifies_per_second;
    return ceiling;
  } finally {
    await service.stop();
  }
}

/** Refresh and token-checked reads with WORKERS=2 (node:cluster), against the same limits as with one process. */
async function withTwoWorkers(bare: Scenario, one: { me: Scenario; refresh: Scenario }): Promise<void> {
  const service = await startService({ WORKERS: '2' });
  try {
    const users = await seedUsers(service.base, EXTRA_USERS);
    const pool = await refreshPool(service.base, users, CONNECTIONS * 2);
    const refresh = await run(
      'POST /auth/refresh, WORKERS=2',
      { url: service.base, requests: [refreshRequest(pool)] },
      undefined,
      service.pid,
    );
    refresh.limit = 'target 3000/s';
    refresh.ratio = refresh.rps / 3000;
    const me = await run(
      'GET /users/me, WORKERS=2',
      { url: service.base, requests: [meRequest(users)] },
      undefined,
      service.pid,
    );
    me.limit = 'bare Redis route';
    me.ratio = me.rps / bare.rps;
    process.stderr.write(
      `[bench] WORKERS=2 against one process: refresh ×${(refresh.rps / one.refresh.rps).toFixed(2)}, GET /users/me ×${(me.rps / one.me.rps).toFixed(2)}\n`,
    );
  } finally {
    await service.stop();
  }
}

const defaultThreadpool = (): string => process.env.UV_THREADPOOL_SIZE ?? String(Math.max(4, cpus().length + 2));

async function main(): Promise<void> {
  const started = Date.now();
  const { ceiling, bare, me, refresh } = await oneProcess();
  const minimumCeiling = await loginAtMinimumCost();
  await withTwoWorkers(bare, { me, refresh });
  report(ceiling, minimumCeiling, bare, Math.round((Date.now() - started) / 1000));
}

function report(ceiling: Ceiling, minimumCeiling: Ceiling, bare: Scenario, seconds: number): void {
  const table = results.map((r) => ({
    scenario: r.name,
    'req/s': Math.round(r.rps),
    'p50 ms': r.p50,
    'p99 ms': r.p99,
    'non-2xx': r.non2xx,
    errors: r.errors,
    limit: r.limit ?? '',
    ratio: r.ratio === undefined ? '' : `${(r.ratio * 100).toFixed(0)} %`,
    'idle %': r.idlePct === undefined ? '' : Math.round(r.idlePct),
    'service cores': r.serviceCores === undefined ? '' : r.serviceCores.toFixed(2),
    'load cores': r.loadCores === undefined ? '' : r.loadCores.toFixed(2),
  }));
  console.table(table);
  console.log(
    `argon2 ceiling ${ceiling.verifies_per_second.toFixed(0)} verifies/s at the configured cost (one verify ${ceiling.single_verify_ms} ms), ${minimumCeiling.verifies_per_second.toFixed(0)} at m=19 MiB t=2 (one verify ${minimumCeiling.single_verify_ms} ms); RSS peak (one process) ${rssPeakMb.toFixed(0)} MB; ${seconds} s in all`,
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
      uv_threadpool_size: defaultThreadpool(),
      argon2: {
        ARGON2_MEMORY_KIB: process.env.ARGON2_MEMORY_KIB ?? '32768',
        ARGON2_TIME_COST: process.env.ARGON2_TIME_COST ?? '2',
        ARGON2_PARALLELISM: process.env.ARGON2_PARALLELISM ?? '1',
      },
      kafka: Boolean(process.env.TEST_KAFKA_BROKERS),
    },
    limits: {
      argon2_verifies_per_second: ceiling.verifies_per_second,
      argon2_single_verify_ms: ceiling.single_verify_ms,
      argon2_minimum_cost_verifies_per_second: minimumCeiling.verifies_per_second,
      bare_redis_route_rps: bare.rps,
    },
    scenarios: results,
    rss_peak_mb: rssPeakMb,
    total_seconds: seconds,
  };
  mkdirSync(`${root}bench/results`, { recursive: true });
  const file = `${root}bench/results/${report.date.replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify(report, null, 2));
  console.log(`written ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
