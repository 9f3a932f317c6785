import 'reflect-metadata';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { createApp, type RunningApp } from '#src/app.factory.js';
import { loadConfig } from '#src/config/app-config.js';
import { assertTestDatabase, createTestDatabase } from './database.js';

export interface TestApp {
  url: string;
  /** The Prometheus listener (METRICS_PORT, an ephemeral loopback port here). */
  metricsUrl: string;
  databaseUrl: string;
  running: RunningApp;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Share a database (and Redis prefix) with another instance: the multi-instance tests. */
  databaseUrl?: string;
  redisPrefix?: string;
  /** Skip Redis: the in-process store of embedded mode. */
  noRedis?: boolean;
  /** A fixed port (from freePort()), when PUBLIC_URL must name the listener (the OpenID issuer). */
  port?: number;
}

const TEST_MFA_KEY = randomBytes(32).toString('base64');

export const testPrefix = (): string => `t${randomBytes(4).toString('hex')}:`;

/** The configuration every test instance starts from (the app here, a service context in the service tier). */
export function testEnv(databaseUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '5',
    RUN_MIGRATIONS: 'false',
    PORT: '0',
    HOST: '127.0.0.1',
    METRICS_PORT: '0',
    RATE_LIMIT_ENABLED: 'false',
    // Tests hash at OWASP's minimum to stay quick; the cost itself is the benchmark's business.
    ARGON2_MEMORY_KIB: '19456',
    DATA_DIR: `/tmp/user-service-test-${randomBytes(4).toString('hex')}`,
    JWT_PRIVATE_KEY: TEST_EC_KEY,
    DATA_ENCRYPTION_KEYS: TEST_DATA_KEYS,
    // One key per test process, so every instance a test starts reads the others' TOTP secrets.
    MFA_ENCRYPTION_KEY: TEST_MFA_KEY,
    COOKIE_SECRET: TEST_COOKIE_SECRET,
  };
}

/** The whole service on a loopback port, against real PostgreSQL (a fresh clone) and Redis. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = options.databaseUrl === undefined ? await createTestDatabase() : undefined;
  const databaseUrl = options.databaseUrl ?? (db as { url: string }).url;
  assertTestDatabase(databaseUrl);
  const env: Record<string, string> = {
    ...testEnv(databaseUrl),
    REDIS_KEY_PREFIX: options.redisPrefix ?? testPrefix(),
    ...options.env,
  };
  if (options.noRedis !== true && process.env.TEST_REDIS_URL !== undefined && env.REDIS_URL === undefined) {
    env.REDIS_URL = process.env.TEST_REDIS_URL;
  }
  const running = await createApp(loadConfig(env));
  await running.app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const address = running.app.getHttpServer().address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    metricsUrl: `http://127.0.0.1:${running.metrics.port}`,
    databaseUrl,
    running,
    close: async () => {
      await running.close();
      await db?.drop();
    },
  };
}

/** One cookie secret per test process, shared by every instance a test starts (a page session works on each). */
export const TEST_COOKIE_SECRET = randomBytes(32).toString('base64url');

/** One data-encryption key per test process, shared by every instance a test starts (as the pods of one release). */
export const TEST_DATA_KEYS = `test1:${randomBytes(32).toString('base64')}`;

/** One P-256 key per test process, so every instance a test starts signs with the same key. */
export const TEST_EC_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

/** A loopback port free right now: for a test whose PUBLIC_URL (and so the OpenID issuer) must name its listener. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
