import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { waitFor } from './wait.js';

const MAIN = new URL('../../src/main.js', import.meta.url).pathname;
/** The tracing bootstrap, `--import`ed before main as `npm start` and the image do. */
export const TRACING_REGISTER = new URL('../../src/tracing/register.js', import.meta.url).pathname;

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface ServiceProcess {
  url: string;
  /** The Prometheus listener: METRICS_PORT, a free loopback port unless given. */
  metricsUrl: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  exited: Promise<number | null>;
  /** Resolves when `path` answers 200; fails early if the process exits. */
  ready(path?: string): Promise<void>;
  /** SIGKILL, for crash tests. */
  kill(): Promise<void>;
}

/**
 * The built service (`node dist/src/main.js`) in a child process with only the given
 * environment (plus PATH and HOME), on free loopback ports unless PORT and METRICS_PORT are
 * given; `nodeArgs` go before the script (`['--import', TRACING_REGISTER]`).
 */
export async function spawnService(env: Record<string, string>, nodeArgs: string[] = []): Promise<ServiceProcess> {
  const port = env.PORT ?? String(await freePort());
  const metricsPort = env.METRICS_PORT ?? String(await freePort());
  const child = spawn(process.execPath, [...nodeArgs, MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      HOST: '127.0.0.1',
      ...env,
      PORT: port,
      METRICS_PORT: metricsPort,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    child,
    output: () => out,
    exited,
    ready: async (path = '/health/readiness') => {
      await waitFor(
        `${url}${path} to answer`,
        async () => {
          if (child.exitCode !== null) throw new Error(`service exited ${child.exitCode}:\n${out.slice(-4000)}`);
          return (await fetch(url + path).catch(() => null))?.status === 200;
        },
        60_000,
      );
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
