/**
 * `npm run bench:legacy-hashes`: the cost of one verify of each imported hash format at the
 * limits in HASH_LIMITS, beside the configured argon2id verify, through PasswordHasher
 * itself (the legacy queue, the libuv pool). The budget the limits come from is written in
 * docs/decisions.md ("Legacy hash cost"); a row above it means a limit is too high for this
 * machine. Also reports the event loop's worst delay while the legacy verifies run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '#src/config/app-config.js';
import { PasswordHasher } from '#src/modules/auth/passwords/password-hasher.service.js';
import { AT_LIMIT, describeSpec, type LegacyHashSpec, makeLegacyHash } from '../test/utils/legacy-hashes.js';
import { ROOT } from './harness.js';

const RUNS = Number(process.env.LEGACY_RUNS ?? 7);
const PASSWORD = 'Bench-Passw0rd!';

/** Real-world defaults the limits must keep accepting. */
const DEFAULTS: LegacyHashSpec[] = [
  { algorithm: 'bcrypt', cost: 10 },
  { algorithm: 'pbkdf2', digest: 'sha256', iterations: 600_000 },
  { algorithm: 'scrypt', n: 32768, r: 8, p: 1 },
];

async function medianMs(run: () => Promise<unknown>): Promise<{ median: number; max: number }> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)] ?? 0, max: times[times.length - 1] ?? 0 };
}

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, NODE_ENV: 'test' });
  const hasher = new PasswordHasher(config);
  const own = await hasher.hash(PASSWORD);
  const argon2 = await medianMs(() => hasher.verify(own, 'wrong'));
  const { memoryCost, timeCost, parallelism } = config.argon2;
  const rows: Record<string, string | number>[] = [
    {
      hash: `argon2id m=${memoryCost},t=${timeCost},p=${parallelism} (configured)`,
      median_ms: round(argon2.median),
      max_ms: round(argon2.max),
      x_argon2id: 1,
    },
  ];
  // Made first: making a werkzeug hash here runs on the main thread, verifying it must not.
  const specs = [...AT_LIMIT, ...DEFAULTS];
  const hashes = await Promise.all(specs.map((spec) => makeLegacyHash(spec, PASSWORD)));
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  for (const [i, spec] of specs.entries()) {
    const stored = hashes[i];
    const ok = await hasher.verify(stored, PASSWORD);
    if (!ok.valid) throw new Error(`${describeSpec(spec)} does not verify: a limit is below it`);
    const t = await medianMs(() => hasher.verify(stored, 'wrong'));
    const row = {
      hash: `${describeSpec(spec)}${AT_LIMIT.includes(spec) ? ' (limit)' : ''}`,
      median_ms: round(t.median),
      max_ms: round(t.max),
      x_argon2id: round(t.median / argon2.median),
    };
    rows.push(row);
    process.stderr.write(`[legacy] ${JSON.stringify(row)}\n`);
  }
  delay.disable();
  console.table(rows);
  const worstDelayMs = round(delay.max / 1e6);
  console.log(`event loop: worst delay ${worstDelayMs} ms while the legacy verifies ran`);
  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  writeFileSync(
    `${ROOT}bench/results/legacy-hashes-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    JSON.stringify({ argon2: config.argon2, rows, worst_event_loop_delay_ms: worstDelayMs }, null, 2),
  );
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
