/**
 * `npm run bench:keycloak`: this service and Keycloak side by side, one at a time, on the
 * same private PostgreSQL (scripts/test-env/run.sh) with the same autocannon load: login at
 * two argon2id costs, rotating refresh, a token-checked read (`GET /users/me` against
 * Keycloak's userinfo), first start and restart to ready, RSS after the load. Only one
 * server runs at any time (a JVM left idle still burns CPU). Medians of the runs and their
 * ratios go into docs/performance.md between the keycloak markers; the raw figures into
 * bench/results/keycloak-<date>.json. Not part of `npm test` or CI.
 *
 * Options: --quick (1 run of 3 s per scenario after 2 s of warm-up, 40 users: checks the
 * script end to end; its Keycloak figures are those of a cold JVM and mean little),
 * --no-write (leave docs/performance.md alone). Environment: KC_BENCH_RUNS (3),
 * BENCH_SECONDS (10), KC_BENCH_WARMUP_SECONDS (5, unmeasured, before each scenario), BENCH_CONNECTIONS (32), BENCH_USERS (300), KEYCLOAK_HEAP
 * (-Xms64m -Xmx512m), ARGON2_MEMORY_KIB / ARGON2_TIME_COST / ARGON2_PARALLELISM (the
 * second cost; the service's defaults otherwise).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import autocannon from 'autocannon';
import { ROOT, rssMb } from './harness.js';
import { KeycloakServer } from './keycloak/keycloak.js';
import { OurService } from './keycloak/ours.js';
import { renderTable, replaceBetweenMarkers, type ContenderRun, type Measured } from './keycloak/report.js';
import type { Argon2Cost, Contender, Tokens } from './keycloak/types.js';

const quick = process.argv.includes('--quick');
const write = !process.argv.includes('--no-write');
const RUNS = quick ? 1 : Number(process.env.KC_BENCH_RUNS ?? 3);
const SECONDS = quick ? 3 : Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const USERS = quick ? 40 : Number(process.env.BENCH_USERS ?? 300);
const WARMUP_SECONDS = quick ? 2 : Number(process.env.KC_BENCH_WARMUP_SECONDS ?? 5);

/** Keycloak's default argon2 cost, and the service's default (or the ARGON2_* given). */
const COSTS: [Argon2Cost, Argon2Cost] = [
  { label: 'm=7 MiB t=5', memoryKib: 7168, iterations: 5, parallelism: 1 },
  {
    label: '',
    memoryKib: Number(process.env.ARGON2_MEMORY_KIB ?? 32768),
    iterations: Number(process.env.ARGON2_TIME_COST ?? 2),
    parallelism: Number(process.env.ARGON2_PARALLELISM ?? 1),
  },
];
COSTS[1].label = `m=${COSTS[1].memoryKib / 1024} MiB t=${COSTS[1].iterations}`;

const log = (line: string): void => void process.stderr.write(`[bench:keycloak] ${line}\n`);

/**
 * Each scenario runs unmeasured for WARMUP_SECONDS first, on both servers: a JVM compiles
 * its hot paths only under load, and a cold Keycloak would be measured at a fraction of
 * what it serves once warm.
 */
async function load(name: string, pid: number, url: string, request: autocannon.Request): Promise<Measured> {
  if (WARMUP_SECONDS > 0)
    await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_SECONDS, requests: [request] });
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 250);
  const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, requests: [request] });
  clearInterval(sampler);
  const m = {
    rps: r.requests.average,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    peakMb: peak,
  };
  log(`${name}: ${m.rps.toFixed(0)} req/s, p99 ${m.p99} ms, non-2xx ${m.non2xx}, errors ${m.errors}`);
  return m;
}

/** Logs every user in once, 8 at a time: JIT warm-up, and a rehash to the running cost. */
async function loginAll(c: Contender): Promise<Tokens[]> {
  const tokens: Tokens[] = [];
  for (let i = 0; i < USERS; i += 8) {
    tokens.push(...(await Promise.all(Array.from({ length: Math.min(8, USERS - i) }, (_, j) => c.login(i + j)))));
  }
  return tokens;
}

async function expectCost(c: Contender, cost: Argon2Cost): Promise<void> {
  const { atCost, total } = await c.hashesAt(cost);
  if (total < USERS || atCost !== total)
    throw new Error(`${c.name}: ${atCost} of ${total} password hashes at ${cost.label}, expected all ${USERS}`);
}

function algOf(jwt: string): string {
  return (JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString()) as { alg: string }).alg;
}

async function measure(c: Contender): Promise<ContenderRun> {
  await c.createDatabase();
  try {
    const firstStartMs = await c.start(COSTS[0]);
    log(`${c.name}: first start ${(firstStartMs / 1000).toFixed(1)} s; seeding ${USERS} users`);
    await c.seed(USERS);
    await loginAll(c);
    await expectCost(c, COSTS[0]);
    const loginLow = await load(`${c.name} login ${COSTS[0].label}`, c.pid, c.base, c.loginRequest());
    await c.stop();

    const restartMs = await c.start(COSTS[1]);
    log(`${c.name}: restart ${(restartMs / 1000).toFixed(1)} s`);
    const tokens = await loginAll(c);
    await expectCost(c, COSTS[1]);
    const alg = algOf(tokens[0].access);
    if (alg !== 'ES256') throw new Error(`${c.name} signs access tokens with ${alg}, not ES256`);
    const loginDefault = await load(`${c.name} login ${COSTS[1].label}`, c.pid, c.base, c.loginRequest());
    // Twice the connections: autocannon may build a connection's next request before it
    // reports the previous answer, so each chain must not be tied to one connection.
    const pool = tokens.slice(0, CONNECTIONS * 2).map((t) => t.refresh);
    const refresh = await load(`${c.name} refresh`, c.pid, c.base, c.refreshRequest(pool));
    const read = await load(`${c.name} token-checked read`, c.pid, c.base, c.readRequest(tokens));
    const rssAfterMb = rssMb(c.pid);
    const rssPeakMb = Math.max(loginLow.peakMb, loginDefault.peakMb, refresh.peakMb, read.peakMb, rssAfterMb);
    log(`${c.name}: RSS after load ${rssAfterMb.toFixed(0)} MB (peak ${rssPeakMb.toFixed(0)})`);
    return { firstStartMs, restartMs, loginLow, loginDefault, refresh, read, rssAfterMb, rssPeakMb };
  } finally {
    await c.stop();
    await c.dropDatabase().catch(() => undefined);
  }
}

function fetchKeycloak(): { home: string; javaHome: string } {
  const out = spawnSync('bash', [`${ROOT}bench/keycloak/fetch.sh`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (out.status !== 0) throw new Error('bench/keycloak/fetch.sh failed');
  const home = /KEYCLOAK_HOME=(.+)/.exec(out.stdout)?.[1];
  const javaHome = /KEYCLOAK_JAVA_HOME=(.+)/.exec(out.stdout)?.[1];
  if (!home || !javaHome) throw new Error(`unexpected output of fetch.sh: ${out.stdout}`);
  return { home, javaHome };
}

function javaVersion(javaHome: string): string {
  const out = spawnSync(`${javaHome}/bin/java`, ['-version'], { encoding: 'utf8' });
  return /version "([^"]+)"/.exec(out.stderr)?.[1] ?? 'unknown';
}

async function main(): Promise<void> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  const redisUrl = process.env.TEST_REDIS_URL;
  const logDir = process.env.TEST_ENV_DIR;
  if (!adminUrl || !redisUrl || !logDir)
    throw new Error('run through scripts/test-env/run.sh (npm run bench:keycloak does)');
  const install = { ...fetchKeycloak(), heap: process.env.KEYCLOAK_HEAP ?? '-Xms64m -Xmx512m' };
  const loadBefore = loadavg();
  const t0 = Date.now();
  const ours: ContenderRun[] = [];
  const theirs: ContenderRun[] = [];
  for (let run = 1; run <= RUNS; run++) {
    log(`run ${run}/${RUNS}`);
    // Alternate who goes first, so that a drift in the machine's load favours neither.
    const order = run % 2 === 1 ? ['ours', 'keycloak'] : ['keycloak', 'ours'];
    for (const who of order) {
      if (who === 'ours') {
        ours.push(await measure(new OurService(adminUrl, redisUrl)));
      } else {
        theirs.push(await measure(new KeycloakServer(install, adminUrl, logDir)));
      }
    }
  }
  const machine = {
    date: new Date().toISOString(),
    cpus: cpus().length,
    model: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    keycloak: /keycloak-([^/]+)$/.exec(install.home)?.[1] ?? 'unknown',
    java: javaVersion(install.javaHome),
    keycloakHeap: install.heap,
    loadBefore: loadBefore.map((l) => l.toFixed(1)).join(' '),
    loadAfter: loadavg()
      .map((l) => l.toFixed(1))
      .join(' '),
    minutes: (Date.now() - t0) / 60_000,
    settings: { runs: RUNS, seconds: SECONDS, warmup: WARMUP_SECONDS, connections: CONNECTIONS, users: USERS, quick },
  };
  const table = renderTable(COSTS, ours, theirs, machine);
  console.log(table);
  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  const file = `${ROOT}bench/results/keycloak-${machine.date.replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify({ machine, costs: COSTS, ours, keycloak: theirs }, null, 2));
  log(`written ${file}`);
  if (write) {
    replaceBetweenMarkers(`${ROOT}docs/performance.md`, table);
    log('table written to docs/performance.md');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
