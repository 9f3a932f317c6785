/**
 * What tracing costs the service (docs/performance.md, "Tracing"): the same read route
 * (`GET /users/me`: JWT, session check, cached user) under the same load, with tracing off,
 * on at 100 % and on at 10 % sampling (OTLP/HTTP protobuf to a sink that drops everything,
 * bench/otlp-sink.ts), and optionally the build from before tracing (`BENCH_BASE_ROOT`, a
 * checkout with its own `dist/`). Variants alternate over BENCH_ROUNDS rounds so that drift
 * of a busy machine spreads over all of them. Besides req/s it reports the service's own CPU
 * time per request (utime + stime of its process from /proc), which a shared machine moves
 * far less than throughput.
 *
 *   npx tsc -p tsconfig.json && bash scripts/test-env/run.sh node dist/bench/tracing-cost.js
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { freePort, meRequest, ROOT, type RunningService, seedUsers, startService } from './harness.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 6000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const BASE_ROOT = process.env.BENCH_BASE_ROOT;

/** utime + stime of a process, in milliseconds (clock ticks of 10 ms on Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface Variant {
  name: string;
  env: Record<string, string>;
  main?: string;
  tracingBootstrap?: boolean;
}

async function measure(variant: Variant): Promise<{ rps: number; p99: number; cpuUsPerRequest: number }> {
  const service: RunningService = await startService(variant.env, {
    main: variant.main,
    tracingBootstrap: variant.tracingBootstrap,
  });
  try {
    const users = await seedUsers(service.base, 20);
    await autocannon({ url: service.base, connections: CONNECTIONS, amount: 1000, requests: [meRequest(users)] });
    const before = cpuMs(service.pid);
    const r = await autocannon({
      url: service.base,
      connections: CONNECTIONS,
      amount: REQUESTS,
      requests: [meRequest(users)],
    });
    const used = cpuMs(service.pid) - before;
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`${variant.name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    return { rps: r.requests.average, p99: r.latency.p99, cpuUsPerRequest: (used * 1000) / REQUESTS };
  } finally {
    await service.stop();
  }
}

const sinkPort = await freePort();
const sink = spawn(process.execPath, [`${ROOT}dist/bench/otlp-sink.js`, String(sinkPort)], {
  stdio: ['ignore', 'inherit', 'inherit'],
});
const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}` };
const variants: Variant[] = [
  ...(BASE_ROOT === undefined
    ? []
    : [
        {
          name: 'before tracing (base build)',
          env: {},
          main: `${BASE_ROOT}/dist/src/main.js`,
          tracingBootstrap: false,
        },
      ]),
  { name: 'tracing off (no endpoint)', env: {} },
  { name: 'tracing on, 100 %', env: { ...endpoint, OTEL_TRACES_SAMPLER: 'parentbased_always_on' } },
  {
    name: 'tracing on, 10 %',
    env: { ...endpoint, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
  },
];
const results = new Map<string, { rps: number; p99: number; cpuUsPerRequest: number }[]>();
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const variant of variants) {
      const result = await measure(variant);
      process.stderr.write(
        `[tracing-cost] round ${round} ${variant.name}: ${result.rps.toFixed(0)} req/s, p99 ${result.p99} ms, ${result.cpuUsPerRequest.toFixed(0)} µs CPU/request\n`,
      );
      results.set(variant.name, [...(results.get(variant.name) ?? []), result]);
    }
  }
} finally {
  sink.kill('SIGTERM');
}
const span = (values: number[], digits = 0): string => {
  const low = Math.min(...values).toFixed(digits);
  const high = Math.max(...values).toFixed(digits);
  return low === high ? low : `${low} – ${high}`;
};
console.log('| GET /users/me | req/s | p99 ms | service CPU µs/request |\n| --- | --- | --- | --- |');
for (const [name, runs] of results) {
  console.log(
    `| ${name} | ${span(runs.map((r) => r.rps))} | ${span(runs.map((r) => r.p99))} | ${span(runs.map((r) => r.cpuUsPerRequest))} |`,
  );
}
