/**
 * CPU time per request (docs/performance.md, "Fixed cost per request"): on a shared machine
 * throughput moves with the neighbours' load, CPU time per request much less. For each
 * scenario (login, refresh, token-checked read) it starts the service, warms it up, sends a
 * fixed number of requests and reads the CPU the service used from /proc: the whole process
 * (every thread) and the main thread alone (the JavaScript: the argon2 hash runs on the libuv
 * pool, so a login's main-thread time is its non-hash work). With BENCH_CPU_PROF=1 the
 * service runs under `--cpu-prof` and the top self-time functions and packages of the main
 * thread are printed per scenario.
 *
 *   npx tsc -p tsconfig.json && TEST_NEEDS_KAFKA=0 bash scripts/test-env/run.sh node dist/bench/cpu-cost.js
 *
 * BENCH_NODE_FLAGS adds node flags to the service (`--perf-basic-prof` lets `perf record -t
 * <main thread>` name the JavaScript frames: CPU samples only, where `--cpu-prof` samples wall
 * time and counts a preempted thread as busy). BENCH_BASE_ROOT=<checkout with its own dist/>
 * measures that build too, alternating with
 * this one (BENCH_ROUNDS rounds); BENCH_ONLY=login,refresh,me picks scenarios.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import {
  cpuMs,
  loginRequest,
  meRequest,
  refreshPool,
  refreshRequest,
  type RunningService,
  seedUsers,
  startService,
  testServicePids,
  treeCpuMs,
} from './harness.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 4000);
const LOGINS = Number(process.env.BENCH_LOGINS ?? 400);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const PROFILE = process.env.BENCH_CPU_PROF === '1';
/** Extra node flags for the service, e.g. `--perf-basic-prof` to read its JIT frames with Linux perf. */
const NODE_FLAGS = process.env.BENCH_NODE_FLAGS?.split(' ').filter((f) => f !== '') ?? [];
const TOP = Number(process.env.BENCH_TOP ?? 25);
const ONLY = process.env.BENCH_ONLY?.split(',');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const BASE_ROOT = process.env.BENCH_BASE_ROOT;

const processCpu = (pid: number): number => cpuMs(`/proc/${pid}/stat`);
const mainThreadCpu = (pid: number): number => cpuMs(`/proc/${pid}/task/${pid}/stat`);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Microseconds on the monotonic clock V8's profiler stamps its samples with (CLOCK_MONOTONIC on Linux). */
const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** The package a script belongs to (`@nestjs/core`, `pino`), `src/...` for ours, or `node:` internals. */
function packageOf(url: string): string {
  if (url === '') return '(native/vm)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + '/dist/'.length).replace(/\.js$/, '');
  return url.startsWith('node:') ? 'node:internals' : url;
}

/** Self time per function and per package, in µs, of the samples taken in [from, to]. */
function aggregate(
  profile: CpuProfile,
  from: number,
  to: number,
): { total: number; byFunction: Map<string, number>; byPackage: Map<string, number> } {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const node = nodes.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    if (node === undefined || at < from || at > to) return;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') return;
    total += dt;
    const pkg = packageOf(url);
    const fn = `${functionName || '(anonymous)'} ${pkg}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + dt);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + dt);
  });
  return { total, byFunction, byPackage };
}

function printTop(title: string, map: Map<string, number>, total: number, perRequest: number): void {
  console.log(`\n${title}`);
  const rows = [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP);
  for (const [name, us] of rows) {
    console.log(
      `  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / perRequest).toFixed(1).padStart(7)} µs/req  ${name}`,
    );
  }
}

interface Scenario {
  name: string;
  count: number;
  prepare(service: RunningService): Promise<autocannon.Request>;
}

const scenarios: Scenario[] = [
  {
    name: 'login',
    count: LOGINS,
    prepare: async (s) => loginRequest(await seedUsers(s.base, 40)),
  },
  {
    name: 'refresh',
    count: REQUESTS,
    prepare: async (s) => refreshRequest(await refreshPool(s.base, await seedUsers(s.base, 20), CONNECTIONS * 2)),
  },
  {
    name: 'me',
    count: REQUESTS,
    prepare: async (s) => meRequest(await seedUsers(s.base, 20)),
  },
];

/** The build measured: this one, and with BENCH_BASE_ROOT another checkout's dist/ (a build from before a change). */
const variants: { name: string; main?: string }[] = [
  ...(BASE_ROOT === undefined ? [] : [{ name: 'base', main: `${BASE_ROOT}/dist/src/main.js` }]),
  { name: 'this build' },
];

async function measure(scenario: Scenario, variant: { name: string; main?: string }): Promise<void> {
  const profDir = PROFILE ? mkdtempSync(join(tmpdir(), 'cpu-cost-')) : undefined;
  const service = await startService(
    {},
    {
      main: variant.main,
      nodeFlags: [...NODE_FLAGS, ...(profDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profDir}`])],
    },
  );
  const window = { from: 0, to: 0 };
  try {
    const request = await scenario.prepare(service);
    const warm = await autocannon({
      url: service.base,
      connections: CONNECTIONS,
      amount: Math.ceil(scenario.count / 4),
      requests: [request],
    });
    if (warm.non2xx > 0) throw new Error(`${scenario.name}: ${warm.non2xx} non-2xx in the warm-up`);
    const deps = testServicePids();
    const depsCpu = (): { pg: number; redis: number } => ({
      pg: deps.postgres === undefined ? 0 : treeCpuMs(deps.postgres),
      redis: deps.redis === undefined ? 0 : treeCpuMs(deps.redis),
    });
    const before = { all: processCpu(service.pid), main: mainThreadCpu(service.pid), ...depsCpu() };
    window.from = nowUs();
    const r = await autocannon({
      url: service.base,
      connections: CONNECTIONS,
      amount: scenario.count,
      requests: [request],
    });
    window.to = nowUs();
    const all = processCpu(service.pid) - before.all;
    const main = mainThreadCpu(service.pid) - before.main;
    const after = depsCpu();
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`${scenario.name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    const line = `${scenario.name} [${variant.name}]: ${scenario.count} requests, ${r.requests.average.toFixed(0)} req/s, p99 ${r.latency.p99} ms; CPU per request: process ${((all * 1000) / scenario.count).toFixed(0)} µs, main thread ${((main * 1000) / scenario.count).toFixed(0)} µs; PostgreSQL ${(((after.pg - before.pg) * 1000) / scenario.count).toFixed(0)} µs, Redis ${(((after.redis - before.redis) * 1000) / scenario.count).toFixed(0)} µs`;
    console.log(`\n== ${line}`);
  } finally {
    await service.stop();
  }
  if (profDir !== undefined) {
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (file !== undefined) {
      const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as CpuProfile;
      // Samples of the measured requests only (not start-up, seeding or warm-up). On a loaded
      // machine a sample is wall time on the main thread, descheduled time included: read the
      // shares, and the CPU per request above for absolute figures.
      const { total, byFunction, byPackage } = aggregate(profile, window.from, window.to);
      if (total === 0) throw new Error('no profile sample in the measured window: is the profiler on another clock?');
      const title = `${scenario.name} [${variant.name}]`;
      printTop(`${title}: self time by package (measured requests)`, byPackage, total, scenario.count);
      printTop(`${title}: self time by function (measured requests)`, byFunction, total, scenario.count);
    }
    rmSync(profDir, { recursive: true, force: true });
  }
}

// Variants alternate within each round, so the drift of a shared machine spreads over all of them.
for (const scenario of scenarios.filter((s) => ONLY === undefined || ONLY.includes(s.name))) {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const variant of variants) await measure(scenario, variant);
  }
}
