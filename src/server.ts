import 'reflect-metadata';
import cluster from 'node:cluster';
import { createApp } from './app.factory.js';
import { rootLogger } from './common/http/logging.js';
import { answerClusterPrimary } from './metrics/metrics.js';
import { ConfigError, loadConfig } from './config/app-config.js';
import { shutdownTracing } from './tracing/tracing-lifecycle.js';

/** Starts the service: config, app, listener, and a graceful stop on SIGTERM/SIGINT. */
export async function start(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const embedded = config.database.url === undefined;
  if (cluster.isPrimary && config.http.workers > 1) {
    if (embedded) {
      rootLogger(config.log.level).warn(
        `WORKERS=${config.http.workers} ignored: embedded mode (PGlite, no DATABASE_URL) runs in one process`,
      );
    } else {
      const { runPrimary } = await import('./cluster/primary.js');
      return runPrimary(config, rootLogger(config.log.level));
    }
  }
  if (cluster.isWorker) answerClusterPrimary();
  const started = Date.now();
  // A cluster worker leaves METRICS_PORT to the primary (cluster/primary.ts).
  const running = await createApp(config, { serveMetrics: !cluster.isWorker });
  await running.app.listen({ port: config.http.port, host: config.http.host });
  const mode = embedded ? `embedded (DATA_DIR=${config.dataDir})` : 'external services';
  const metrics =
    running.metrics === undefined
      ? 'metrics served by the cluster primary'
      : `metrics on ${running.metrics.host}:${running.metrics.port}`;
  const worker = cluster.isWorker ? `worker ${process.pid} ` : '';
  running.app
    .get(await import('nestjs-pino').then((m) => m.Logger))
    .log(
      `user-service ${worker}listening on ${config.http.host}:${config.http.port} (${metrics}), ${mode}, started in ${Date.now() - started} ms`,
    );

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: shutting down\n`);
    // A last resort: in-flight requests get SHUTDOWN_TIMEOUT_MS, the flush and pool closes 5 s more.
    const timer = setTimeout(() => process.exit(1), config.http.shutdownTimeoutMs + 5000);
    timer.unref();
    running
      .close()
      // The relay's last producer spans are ended by then: export them before exiting.
      .then(() => shutdownTracing())
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        process.stderr.write(`shutdown failed: ${String(error)}\n`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
