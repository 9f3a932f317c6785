import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { Logger } from 'pino';
import type { AppConfig } from '#src/config/app-config.js';
import { MetricsServer } from '#src/metrics/metrics-server.js';
import { restartDelayMs } from './restart.policy.js';

/** A worker that lived this long before exiting counts as healthy: its restart waits no backoff. */
const HEALTHY_UPTIME_MS = 60_000;

/**
 * WORKERS > 1: this process forks the workers, each a whole service on the same port
 * (node:cluster hands connections round-robin), and does nothing else on the API path. It
 * - serves METRICS_PORT itself, with every worker's series added up (prom-client's
 *   AggregatorRegistry asks each worker over the cluster channel);
 * - restarts a worker that exits on its own, after a backoff that grows while workers keep
 *   dying young (restart.policy.ts);
 * - on SIGTERM/SIGINT stops restarting, passes SIGTERM to every worker (each drains and
 *   closes as a single process does), and exits once all have: 0 when each exited 0.
 * Everything the workers share lives in PostgreSQL and Redis, as between pods.
 */
export async function runPrimary(config: AppConfig, logger: Logger): Promise<void> {
  const started = Date.now();
  const aggregator = new AggregatorRegistry();
  const metrics = new MetricsServer(() => aggregator.clusterMetrics(), aggregator.contentType);
  const address = await metrics.listen(config.metrics.port, config.metrics.host);

  let stopping = false;
  let failed = false;
  let crashes = 0;
  const bornAt = new Map<number, number>();

  const fork = (): void => {
    const worker = cluster.fork();
    bornAt.set(worker.id, Date.now());
  };

  cluster.on('exit', (worker: Worker, code: number | null, signal: string | null) => {
    const lived = Date.now() - (bornAt.get(worker.id) ?? Date.now());
    bornAt.delete(worker.id);
    if (stopping) {
      if (code !== 0) failed = true;
      if (Object.keys(cluster.workers ?? {}).length === 0) void finish();
      return;
    }
    crashes = lived >= HEALTHY_UPTIME_MS ? 1 : crashes + 1;
    const delay = restartDelayMs(crashes);
    logger.error(
      { worker_pid: worker.process.pid, code, signal, restart_in_ms: delay },
      'worker exited: starting another',
    );
    setTimeout(() => {
      if (!stopping) fork();
    }, delay).unref();
  });

  const finish = async (): Promise<void> => {
    await metrics.close();
    logger.info({ failed }, 'all workers stopped');
    process.exit(failed ? 1 : 0);
  };

  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: stopping ${Object.keys(cluster.workers ?? {}).length} workers`);
    // Past the workers' own bound (in-flight requests, then the flush and pool closes), kill.
    setTimeout(() => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      process.exit(1);
    }, config.http.shutdownTimeoutMs + 10_000).unref();
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) void finish();
    for (const worker of workers) worker?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  for (let i = 0; i < config.http.workers; i++) fork();
  logger.info(
    `user-service primary ${process.pid}: ${config.http.workers} workers on ${config.http.host}:${config.http.port}, metrics of all workers on ${address.host}:${address.port}, started in ${Date.now() - started} ms`,
  );
}
