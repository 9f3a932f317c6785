/**
 * `npm run bench:argon2`: chooses the argon2id default. For each candidate cost (never below
 * OWASP's 19 MiB, t=2, p=1) it measures the machine's verify ceiling, then drives logins at
 * 70 % of that ceiling for SWEEP_SECONDS and records the latency percentiles. The default
 * is the strongest cost whose login p97.5 stays under 150 ms (autocannon reports p97.5, not
 * p95, so this is the stricter reading).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { loginRequest, ROOT, seedUsers, startService } from './harness.js';

const SECONDS = Number(process.env.SWEEP_SECONDS ?? 10);
const CANDIDATES = [
  { m: 19456, t: 2 },
  { m: 19456, t: 3 },
  { m: 32768, t: 2 },
  { m: 47104, t: 2 },
  { m: 65536, t: 2 },
  { m: 65536, t: 3 },
];

async function main(): Promise<void> {
  const rows = [];
  for (const c of CANDIDATES) {
    const env = { ARGON2_MEMORY_KIB: String(c.m), ARGON2_TIME_COST: String(c.t), ARGON2_PARALLELISM: '1' };
    const ceilingRun = spawnSync(process.execPath, [`${ROOT}dist/bench/argon2-ceiling.js`], {
      env: { ...process.env, ...env, SECONDS: '5' },
      encoding: 'utf8',
    });
    const ceiling = JSON.parse(ceilingRun.stdout) as { verifies_per_second: number; single_verify_ms: number };
    const service = await startService(env);
    try {
      const users = await seedUsers(service.base, 40);
      const rate = Math.max(1, Math.floor(ceiling.verifies_per_second * 0.7));
      const r = await autocannon({
        url: service.base,
        connections: Math.max(8, Math.ceil(rate / 10)),
        duration: SECONDS,
        overallRate: rate,
        requests: [loginRequest(users)],
      });
      const row = {
        memory_kib: c.m,
        time_cost: c.t,
        verify_ms: ceiling.single_verify_ms,
        ceiling_per_s: Math.round(ceiling.verifies_per_second),
        offered_per_s: rate,
        achieved_per_s: Math.round(r.requests.average),
        p50_ms: r.latency.p50,
        p97_5_ms: r.latency.p97_5,
        p99_ms: r.latency.p99,
        non2xx: r.non2xx,
      };
      rows.push(row);
      process.stderr.write(`[sweep] ${JSON.stringify(row)}\n`);
    } finally {
      await service.stop();
    }
  }
  console.table(rows);
  const ok = rows.filter((r) => r.p97_5_ms < 150 && r.non2xx === 0);
  const strongest = ok.sort((a, b) => b.memory_kib * b.time_cost - a.memory_kib * a.time_cost)[0];
  console.log(
    `strongest cost with login p97.5 < 150 ms at 70 % of the ceiling: ${strongest ? `m=${strongest.memory_kib} KiB, t=${strongest.time_cost}` : 'none (keep the OWASP minimum)'}`,
  );
  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  writeFileSync(
    `${ROOT}bench/results/argon2-sweep-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    JSON.stringify({ rows, strongest }, null, 2),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
