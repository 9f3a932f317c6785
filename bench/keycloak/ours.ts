/**
 * This service for the Keycloak comparison: the same production-mode start as
 * bench/harness.ts (V8 flags, tracing bootstrap, rate limits off, lockout on with a high
 * threshold), but on a database that outlives one process, so that a restart on existing
 * data can be timed, and with the argon2 cost given per start.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type autocannon from 'autocannon';
import pg from 'pg';
import {
  benchServiceEnv,
  freePort,
  loginRequest,
  meRequest,
  newBenchSecrets,
  PASSWORD,
  post,
  refreshRequest,
  ROOT,
  seedUsers,
  type SeededUser,
  V8_FLAGS,
  waitFor,
} from '../harness.js';
import type { Argon2Cost, Contender, Tokens } from './types.js';

export class OurService implements Contender {
  readonly name = 'user-service';
  private readonly dbName = `user_service_kc_bench_${randomBytes(4).toString('hex')}`;
  // Kept across restarts: the service comes back on the same data.
  private readonly secrets = newBenchSecrets();
  private readonly redisPrefix = `kcbench${randomBytes(3).toString('hex')}:`;
  private child: ReturnType<typeof spawn> | undefined;
  base = '';
  pid = 0;

  constructor(
    private readonly adminUrl: string,
    private readonly redisUrl: string,
  ) {}

  async createDatabase(): Promise<void> {
    await adminQuery(this.adminUrl, `CREATE DATABASE ${this.dbName}`);
  }

  async dropDatabase(): Promise<void> {
    await adminQuery(this.adminUrl, `DROP DATABASE IF EXISTS ${this.dbName} WITH (FORCE)`);
  }

  private dbUrl(): string {
    const url = new URL(this.adminUrl);
    url.pathname = `/${this.dbName}`;
    return url.toString();
  }

  /** Starts the service and resolves with the milliseconds from spawn to readiness. */
  async start(cost: Argon2Cost): Promise<number> {
    const port = await freePort();
    this.base = `http://127.0.0.1:${port}`;
    const t0 = performance.now();
    const child = spawn(
      process.execPath,
      [...V8_FLAGS, '--import', `${ROOT}dist/src/tracing/register.js`, `${ROOT}dist/src/main.js`],
      {
        env: {
          ...benchServiceEnv({
            port,
            databaseUrl: this.dbUrl(),
            redisUrl: this.redisUrl,
            redisPrefix: this.redisPrefix,
            secrets: this.secrets,
          }),
          UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? String(Math.max(4, availableParallelism() + 2)),
          ARGON2_MEMORY_KIB: String(cost.memoryKib),
          ARGON2_TIME_COST: String(cost.iterations),
          ARGON2_PARALLELISM: String(cost.parallelism),
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    this.child = child;
    this.pid = child.pid as number;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`the service exited (${code}) before ready`))),
    );
    exited.catch(() => undefined);
    await Promise.race([waitFor(`${this.base}/health/readiness`, 120_000), exited]);
    return performance.now() - t0;
  }

  private users: SeededUser[] = [];

  async seed(count: number): Promise<void> {
    this.users = await seedUsers(this.base, count);
  }

  async login(index: number): Promise<Tokens> {
    const t = await post(this.base, '/api/v1/auth/login', {
      email: this.users[index % this.users.length].email,
      password: PASSWORD,
    });
    return { access: t.access_token as string, refresh: t.refresh_token as string };
  }

  async hashesAt(cost: Argon2Cost): Promise<{ atCost: number; total: number }> {
    const prefix = `$argon2id$v=19$m=${cost.memoryKib},t=${cost.iterations},p=${cost.parallelism}$`;
    const rows = await query<{ at_cost: string; total: string }>(
      this.dbUrl(),
      'SELECT count(*) FILTER (WHERE starts_with(password_hash, $1)) AS at_cost, count(*) AS total FROM users',
      [prefix],
    );
    return { atCost: Number(rows[0].at_cost), total: Number(rows[0].total) };
  }

  loginRequest(): autocannon.Request {
    return loginRequest(this.users);
  }

  refreshRequest(pool: string[]): autocannon.Request {
    return refreshRequest(pool);
  }

  readRequest(tokens: Tokens[]): autocannon.Request {
    return meRequest(tokens.map((t, i) => ({ email: this.users[i % this.users.length].email, ...t })));
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    this.child = undefined;
  }
}

async function adminQuery(url: string, sql: string): Promise<void> {
  await query(url, sql);
}

export async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}
