import 'reflect-metadata';
import { createApp } from './app.factory.js';
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
  const started = Date.now();
  const running = await createApp(config);
  await running.app.listen({ port: config.http.port, host: config.http.host });
  const mode = config.database.url === undefined ? `embedded (DATA_DIR=${config.dataDir})` : 'external services';
  running.app
    .get(await import('nestjs-pino').then((m) => m.Logger))
    .log(
      `user-service listening on ${config.http.host}:${config.http.port} (metrics on ${running.metrics.host}:${running.metrics.port}), ${mode}, started in ${Date.now() - started} ms`,
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
