/**
 * `npm run bench:embedded`: the embedded mode (PGlite, in-process cache; no PostgreSQL,
 * Redis or Kafka) started as `npm start` starts it (the node flags are read from
 * package.json's `start` script), loaded with the scenarios of `npm run bench`
 * (registration, login, refresh, token-checked read, profile update; BENCH_CONNECTIONS,
 * default 8, and BENCH_USERS, default 300), then its RSS: at ready after the first start on
 * an empty DATA_DIR, at ready after a restart, after the load, the peak during it, and what
 * holds it, read from /proc/PID/smaps (PGlite's WebAssembly memory is one mapping of its
 * own). Bounded: BENCH_SECONDS (default 8) per scenario, about 2 minutes in all.
 * ARGON2_* pass through to the service; BENCH_NODE_FLAGS (space-separated) replaces the
 * start script's node flags, to try others.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import {
  freePort,
  loginRequest,
  meRequest,
  PASSWORD,
  post,
  profileUpdateRequest,
  refreshRequest,
  ROOT,
  rssMb,
  type SeededUser,
  waitFor,
} from './harness.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const USERS = Number(process.env.BENCH_USERS ?? 300);

/** The node flags of `npm start` (package.json), so that the bench measures what it runs. */
function startFlags(): string[] {
  if (process.env.BENCH_NODE_FLAGS !== undefined) return process.env.BENCH_NODE_FLAGS.split(' ').filter(Boolean);
  const scripts = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> })
    .scripts;
  const command = / node ((?:--[\w-]+(?:=\S+)? )*)--import /.exec(scripts.start);
  if (command === null) throw new Error('package.json: the start script no longer reads "node <flags> --import ..."');
  return command[1].split(' ').filter(Boolean);
}
const NODE_FLAGS = startFlags();

interface Mapping {
  name: string;
  sizeMb: number;
  rssMb: number;
}

/** The mappings of a process with their resident size, largest resident first. */
function mappings(pid: number): Mapping[] {
  const out: Mapping[] = [];
  let current: Mapping | undefined;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      current = {
        name: head[3] || '[anon]',
        sizeMb: (parseInt(head[2], 16) - parseInt(head[1], 16)) / 2 ** 20,
        rssMb: 0,
      };
      out.push(current);
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && current) current.rssMb = Number(rss[1]) / 1024;
  }
  return out.sort((a, b) => b.rssMb - a.rssMb);
}

/**
 * PGlite's WebAssembly memory (128 MiB at least, grown in place) is one anonymous mapping
 * of at least that size, and the most resident of those: V8's other large reservations
 * (code range, cage) are mostly untouched, and its heap pages come in far smaller pieces.
 */
function breakdown(pid: number): {
  wasmMb: number;
  mallocMb: number;
  anonOtherMb: number;
  filesMb: number;
  totalMb: number;
} {
  const all = mappings(pid);
  const wasm = all.filter((m) => m.name === '[anon]' && m.sizeMb >= 128).slice(0, 1);
  // [heap]: malloc's main arena (Node's C++ side, OpenSSL, argon2's buffers).
  const malloc = all.filter((m) => m.name === '[heap]');
  const anon = all.filter((m) => !m.name.startsWith('/') && !wasm.includes(m) && !malloc.includes(m));
  const sum = (ms: Mapping[]): number => ms.reduce((n, m) => n + m.rssMb, 0);
  return {
    wasmMb: sum(wasm),
    mallocMb: sum(malloc),
    anonOtherMb: sum(anon),
    filesMb: sum(all.filter((m) => m.name.startsWith('/'))),
    totalMb: sum(all),
  };
}

/**
 * Retries a setup call that fails for a passing reason (a connection reset on a busy
 * machine); the load itself counts any answer other than a 2xx as non-2xx, and the run fails
 * if there is one (the embedded mode serves concurrent requests since
 * src/database/pglite-session-order.ts).
 */
async function retry<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt === 5) throw error;
    }
  }
}

async function seed(base: string, count: number): Promise<SeededUser[]> {
  const users: SeededUser[] = [];
  const width = Math.min(4, CONNECTIONS);
  for (let i = 0; i < count; i += width) {
    const batch = Array.from({ length: Math.min(width, count - i) }, async (_, j) => {
      const email = `seed${i + j}@embedded.bench.example.com`;
      await retry(() => post(base, '/api/v1/auth/register', { email, password: PASSWORD, name: `Seed ${i + j}` }));
      const t = await retry(() => post(base, '/api/v1/auth/login', { email, password: PASSWORD }));
      return { email, access: t.access_token as string, refresh: t.refresh_token as string };
    });
    users.push(...(await Promise.all(batch)));
  }
  return users;
}

interface Started {
  child: ChildProcess;
  pid: number;
  base: string;
}

/** As `npm start` runs it: the same V8 flags and bootstrap, no DATABASE_URL or REDIS_URL. */
async function startEmbedded(dataDir: string): Promise<Started> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const passthrough = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('ARGON2_')),
  );
  const child = spawn(
    process.execPath,
    [...NODE_FLAGS, '--import', `${ROOT}dist/src/tracing/register.js`, `${ROOT}dist/src/main.js`],
    {
      env: {
        PATH: process.env.PATH ?? '',
        LOG_LEVEL: 'warn',
        PORT: String(port),
        METRICS_PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        RATE_LIMIT_ENABLED: 'false',
        MAX_LOGIN_ATTEMPTS: '1000',
        MAX_SESSIONS_PER_USER: '1000',
        ...passthrough,
      },
      stdio: [
        'ignore',
        process.env.EMBEDDED_BENCH_LOG === undefined ? 'ignore' : openSync(process.env.EMBEDDED_BENCH_LOG, 'a'),
        'inherit',
      ],
    },
  );
  await waitFor(`${base}/health/readiness`, 180_000);
  return { child, pid: child.pid as number, base };
}

async function stopEmbedded(s: Started): Promise<void> {
  if (s.child.exitCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 5000));

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'user-service-embedded-bench-'));
  // The first start on an empty DATA_DIR (PGlite's initdb in a process of its own, then the
  // migrations) is measured at ready; the load runs after a restart, as a server that has
  // been started before runs.
  const first = await startEmbedded(dataDir);
  await settle();
  const firstStart = breakdown(first.pid);
  await stopEmbedded(first);
  const server = await startEmbedded(dataDir);
  const { pid, base } = server;
  let peak = 0;
  let failed = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 250);
  const run = async (name: string, request: autocannon.Request): Promise<void> => {
    const r = await autocannon({ url: base, connections: CONNECTIONS, duration: SECONDS, requests: [request] });
    failed += r.non2xx + r.errors + r.timeouts;
    process.stderr.write(
      `[bench:embedded] ${name}: ${r.requests.average.toFixed(0)} req/s, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}; RSS ${rssMb(pid).toFixed(0)} MB\n`,
    );
  };
  try {
    await settle();
    const idle = breakdown(pid);
    process.stderr.write(`[bench:embedded] ready, RSS ${idle.totalMb.toFixed(0)} MB; seeding ${USERS} users\n`);
    const users = await seed(base, USERS);
    let n = 0;
    await run('POST /auth/register', {
      method: 'POST',
      path: '/api/v1/auth/register',
      headers: { 'content-type': 'application/json' },
      setupRequest: (req) => ({
        ...req,
        body: JSON.stringify({ email: `e${n++}-${pid}@bench.example.com`, password: PASSWORD, name: 'Bench' }),
      }),
    });
    await run('POST /auth/login', loginRequest(users));
    const pool = await Promise.all(
      users
        .slice(0, CONNECTIONS * 2)
        .map(async (u) =>
          retry(
            async () =>
              (await post(base, '/api/v1/auth/login', { email: u.email, password: PASSWORD })).refresh_token as string,
          ),
        ),
    );
    await run('POST /auth/refresh', refreshRequest(pool));
    await run('GET /users/me', meRequest(users));
    await run('PATCH /users/me', profileUpdateRequest(users));
    clearInterval(sampler);
    // The figure the issue asks for: resident memory once the load is over (a few seconds
    // for the last answers and timers to settle), beside the peak during it.
    await new Promise((r) => setTimeout(r, 3000));
    const after = breakdown(pid);
    const result = {
      settings: { seconds: SECONDS, connections: CONNECTIONS, users: USERS, node_flags: NODE_FLAGS },
      rss_first_start_mb: Math.round(firstStart.totalMb),
      rss_idle_mb: Math.round(idle.totalMb),
      rss_after_load_mb: Math.round(after.totalMb),
      rss_peak_mb: Math.round(Math.max(peak, after.totalMb)),
      after_load: {
        pglite_wasm_memory_mb: Math.round(after.wasmMb),
        malloc_heap_mb: Math.round(after.mallocMb),
        other_anonymous_mb: Math.round(after.anonOtherMb),
        mapped_files_mb: Math.round(after.filesMb),
      },
      largest_mappings_after_load: mappings(pid)
        .slice(0, 10)
        .map((m) => `${m.name} ${m.rssMb.toFixed(1)} of ${m.sizeMb.toFixed(1)} MB`),
      idle: {
        pglite_wasm_memory_mb: Math.round(idle.wasmMb),
        malloc_heap_mb: Math.round(idle.mallocMb),
        other_anonymous_mb: Math.round(idle.anonOtherMb),
        mapped_files_mb: Math.round(idle.filesMb),
      },
    };
    console.log(JSON.stringify(result, null, 2));
    if (failed > 0) throw new Error(`${failed} requests of the load failed (non-2xx, errors, timeouts)`);
  } finally {
    clearInterval(sampler);
    await stopEmbedded(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
