/**
 * `npm run soak`: a long run (SOAK_MINUTES, default 10) at SOAK_LOAD (default 0.7) of the
 * measured capacity, over a read-heavy mix — profile reads 3, logins 2, profile updates 1 —
 * plus a refresh and a registration per cycle. Each minute is its own autocannon run at a
 * fixed rate, so p99 and RSS are reported per minute. Passes when there are no errors, p99
 * stays stable and the last minute's mean RSS is within 10 % of the fifth minute's. Not
 * part of npm test.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import {
  loginRequest,
  meRequest,
  PASSWORD,
  refreshPool,
  refreshRequest,
  ROOT,
  rssMb,
  seedUsers,
  type SeededUser,
  startService,
} from './harness.js';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const LOAD = Number(process.env.SOAK_LOAD ?? 0.7);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 16);
const CALIBRATION_SECONDS = Number(process.env.SOAK_CALIBRATION_SECONDS ?? 20);

function mix(users: SeededUser[], pool: string[], tag: string): autocannon.Request[] {
  let r = 0;
  let u = 0;
  const read = meRequest(users);
  const login = loginRequest(users);
  return [
    read,
    login,
    read,
    {
      method: 'PATCH',
      path: '/api/v1/users/me',
      setupRequest: (req) => ({
        ...req,
        headers: { authorization: `Bearer ${users[u++ % users.length].access}`, 'content-type': 'application/json' },
        body: JSON.stringify({ region: `region-${r++ % 50}` }),
      }),
    },
    login,
    read,
    refreshRequest(pool),
    {
      method: 'POST',
      path: '/api/v1/auth/register',
      headers: { 'content-type': 'application/json' },
      setupRequest: (req) => ({
        ...req,
        body: JSON.stringify({ email: `soak-${tag}-${r++}@bench.example.com`, password: PASSWORD, name: 'Soak' }),
      }),
    },
  ];
}

async function main(): Promise<void> {
  const service = await startService();
  try {
    const users = await seedUsers(service.base, 200);
    const pool = await refreshPool(service.base, users, CONNECTIONS * 4);
    process.stderr.write(`[soak] calibrating capacity for ${CALIBRATION_SECONDS} s\n`);
    const calibration = await autocannon({
      url: service.base,
      connections: CONNECTIONS,
      duration: CALIBRATION_SECONDS,
      requests: mix(users, pool, 'cal'),
    });
    const capacity = calibration.requests.average;
    const rate = Math.max(1, Math.floor(capacity * LOAD));
    process.stderr.write(`[soak] capacity ${capacity.toFixed(0)} req/s; running ${MINUTES} min at ${rate} req/s\n`);
    const minutes: {
      minute: number;
      rps: number;
      p50: number;
      p99: number;
      non2xx: number;
      errors: number;
      rss_mb: number;
    }[] = [];
    for (let m = 1; m <= MINUTES; m++) {
      // RSS every second: a single reading lands anywhere on the GC sawtooth.
      const samples: number[] = [];
      const sampler = setInterval(() => samples.push(rssMb(service.pid)), 1000);
      const r = await autocannon({
        url: service.base,
        connections: CONNECTIONS,
        duration: 60,
        overallRate: rate,
        requests: mix(users, pool, `m${m}`),
      });
      clearInterval(sampler);
      const row = {
        minute: m,
        rps: Math.round(r.requests.average),
        p50: r.latency.p50,
        p99: r.latency.p99,
        non2xx: r.non2xx,
        errors: r.errors + r.timeouts,
        rss_mb: Math.round(samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length)),
        rss_max_mb: Math.round(Math.max(...samples, 0)),
      };
      minutes.push(row);
      process.stderr.write(`[soak] ${JSON.stringify(row)}\n`);
    }
    console.table(minutes);
    const fifth = minutes[Math.min(4, minutes.length - 1)];
    const last = minutes.at(-1)!;
    const errors = minutes.reduce((n, x) => n + x.non2xx + x.errors, 0);
    const p99s = minutes.slice(1).map((x) => x.p99);
    const rssDrift = (last.rss_mb - fifth.rss_mb) / fifth.rss_mb;
    const verdict = {
      errors,
      rss_fifth_minute_mb: fifth.rss_mb,
      rss_last_minute_mb: last.rss_mb,
      rss_drift: rssDrift,
      p99_min: Math.min(...p99s),
      p99_max: Math.max(...p99s),
      pass: errors === 0 && Math.abs(rssDrift) <= 0.1,
    };
    console.log(JSON.stringify(verdict));
    mkdirSync(`${ROOT}bench/results`, { recursive: true });
    const file = `${ROOT}bench/results/soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
    writeFileSync(
      file,
      JSON.stringify({ capacity, load: LOAD, rate, connections: CONNECTIONS, minutes, verdict }, null, 2),
    );
    console.log(`written ${file}`);
    if (!verdict.pass) process.exitCode = 1;
  } finally {
    await service.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
