import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TEST_COOKIE_SECRET, TEST_DATA_KEYS, TEST_EC_KEY, testPrefix } from '../utils/app.js';
import { createTestDatabase } from '../utils/database.js';
import { newIdentity } from '../utils/factories.js';
import { type ServiceProcess, spawnService } from '../utils/service-process.js';
import { waitFor } from '../utils/wait.js';

interface Answer {
  status: number;
  body: any;
}

/**
 * One request on a connection of its own (no keep-alive): node:cluster hands each new
 * connection to the next worker, so consecutive calls land on both workers.
 */
function fresh(base: string, method: string, path: string, body?: unknown, token?: string): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        method,
        agent: false,
        headers: {
          connection: 'close',
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text === '' ? null : JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

type LogLine = Record<string, unknown> & { pid: number; msg?: string; url?: string; status?: number };

function logLines(service: ServiceProcess): LogLine[] {
  return service
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

/** The pids of the workers that said they listen (in order of start). */
function workerPids(service: ServiceProcess): number[] {
  return logLines(service)
    .filter((l) => typeof l.msg === 'string' && /user-service worker \d+ listening/.test(l.msg))
    .map((l) => l.pid);
}

/** The pids that wrote a request line for `path` with `status`. */
function servedBy(service: ServiceProcess, path: string, status: number): Set<number> {
  return new Set(
    logLines(service)
      .filter((l) => l.msg === 'request completed' && l.url === path && l.status === status)
      .map((l) => l.pid),
  );
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** An unknown account's login body. */
const credentials = (): { email: string; password: string } => {
  const { email, password } = newIdentity();
  return { email, password };
};

const MAX_LOGIN_ATTEMPTS = 3;
const LOGIN_PER_MINUTE = 10;

describe('WORKERS=2: two processes on one port, every guarantee shared', () => {
  let db: { url: string; drop: () => Promise<void> };
  let service: ServiceProcess;
  let logins = 0;

  before(async () => {
    db = await createTestDatabase();
    service = await spawnService({
      NODE_ENV: 'production',
      WORKERS: '2',
      // debug: every request writes its line, with the pid of the worker that served it.
      LOG_LEVEL: 'debug',
      DATABASE_URL: db.url,
      REDIS_URL: process.env.TEST_REDIS_URL ?? '',
      REDIS_KEY_PREFIX: testPrefix(),
      JWT_PRIVATE_KEY: TEST_EC_KEY,
      DATA_ENCRYPTION_KEYS: TEST_DATA_KEYS,
      COOKIE_SECRET: TEST_COOKIE_SECRET,
      ARGON2_MEMORY_KIB: '19456',
      MAX_LOGIN_ATTEMPTS: String(MAX_LOGIN_ATTEMPTS),
      RATE_LIMIT_LOGIN_PER_MINUTE: String(LOGIN_PER_MINUTE),
    });
    await service.ready();
    await waitFor('both workers to listen', () => workerPids(service).length === 2);
  });
  after(async () => {
    await service.kill();
    await db.drop();
  });

  it('starts a primary and two workers; requests are served by both', async () => {
    const primary = logLines(service).find((l) => typeof l.msg === 'string' && l.msg.includes('2 workers'));
    assert.equal(primary?.pid, service.child.pid);
    const workers = workerPids(service);
    assert.equal(new Set(workers).size, 2);
    assert.ok(!workers.includes(service.child.pid as number));

    const id = newIdentity();
    assert.equal((await fresh(service.url, 'POST', '/api/v1/auth/register', id)).status, 201);
    for (let i = 0; i < 6; i++) assert.equal((await fresh(service.url, 'GET', '/health/liveness')).status, 200);
    await waitFor('request lines', () => servedBy(service, '/health/liveness', 200).size === 2);
    assert.deepEqual([...servedBy(service, '/health/liveness', 200)].sort(), [...workers].sort());
  });

  it('a session revoked through one worker is refused by both', async () => {
    const id = newIdentity();
    assert.equal((await fresh(service.url, 'POST', '/api/v1/auth/register', id)).status, 201);
    const login = await fresh(service.url, 'POST', '/api/v1/auth/login', { email: id.email, password: id.password });
    logins += 1;
    assert.equal(login.status, 200);
    const access = login.body.access_token as string;
    for (let i = 0; i < 4; i++)
      assert.equal((await fresh(service.url, 'GET', '/api/v1/users/me', undefined, access)).status, 200);
    assert.equal((await fresh(service.url, 'POST', '/api/v1/auth/logout', undefined, access)).status, 204);
    for (let i = 0; i < 4; i++) {
      const me = await fresh(service.url, 'GET', '/api/v1/users/me', undefined, access);
      assert.equal(me.status, 401);
      assert.equal(me.body.error_code, 'USER_1006');
    }
    await waitFor('refusals from both workers', () => servedBy(service, '/api/v1/users/me', 401).size === 2);
  });

  it('failed logins count once across workers: the account locks after MAX_LOGIN_ATTEMPTS', async () => {
    const id = newIdentity();
    assert.equal((await fresh(service.url, 'POST', '/api/v1/auth/register', id)).status, 201);
    // Alternating workers: counted per process, neither would reach the threshold.
    for (let i = 0; i < MAX_LOGIN_ATTEMPTS; i++) {
      const wrong = await fresh(service.url, 'POST', '/api/v1/auth/login', {
        email: id.email,
        password: 'Wrong-Pass-1',
      });
      logins += 1;
      assert.equal(wrong.status, 401);
    }
    const right = await fresh(service.url, 'POST', '/api/v1/auth/login', { email: id.email, password: id.password });
    logins += 1;
    assert.equal(right.status, 423);
    assert.equal(right.body.error_code, 'USER_1003');
    await waitFor('failures on both workers', () => servedBy(service, '/api/v1/auth/login', 401).size === 2);
  });

  it('the per-IP login limit is one budget across workers', async () => {
    const statuses: number[] = [];
    while (logins < LOGIN_PER_MINUTE) {
      statuses.push((await fresh(service.url, 'POST', '/api/v1/auth/login', credentials())).status);
      logins += 1;
    }
    assert.ok(!statuses.includes(429), `no 429 within the budget: ${statuses.join(',')}`);
    const over = await fresh(service.url, 'POST', '/api/v1/auth/login', credentials());
    assert.equal(over.status, 429);
    assert.equal(over.body.error_code, 'COMMON_1029');
  });

  it('METRICS_PORT serves the sum of both workers', async () => {
    const res = await fetch(`${service.metricsUrl}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    const attempts = [...text.matchAll(/^login_attempts_total\{result="(\w+)"\} (\d+)$/gm)].reduce(
      (sum, m) => sum + Number(m[2]),
      0,
    );
    // Every login but the rate-limited one (refused before the handler) is counted, on whichever worker.
    assert.equal(attempts, logins);
    assert.match(text, /^active_sessions \d+$/m);
  });

  it('a worker that dies is replaced; the service keeps answering', async () => {
    const [victim] = workerPids(service);
    process.kill(victim, 'SIGKILL');
    await waitFor('a replacement worker', () => workerPids(service).length === 3, 60_000);
    assert.match(service.output(), /worker exited: starting another/);
    for (let i = 0; i < 4; i++) assert.equal((await fresh(service.url, 'GET', '/health/liveness')).status, 200);
  });

  it('SIGTERM stops every worker, then the primary, with exit code 0', async () => {
    const workers = workerPids(service).filter(alive);
    assert.equal(workers.length, 2);
    service.child.kill('SIGTERM');
    assert.equal(await service.exited, 0);
    for (const pid of workers) assert.equal(alive(pid), false, `worker ${pid} still running`);
  });
});

describe('WORKERS=2 in embedded mode', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'user-service-workers-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('runs one process (PGlite), says so at start, and serves', async () => {
    const service = await spawnService({ DATA_DIR: dataDir, WORKERS: '2', LOG_LEVEL: 'info' });
    try {
      await service.ready();
      assert.match(
        service.output(),
        /WORKERS=2 ignored: embedded mode \(PGlite, no DATABASE_URL\) runs in one process/,
      );
      const listening = logLines(service).filter((l) => typeof l.msg === 'string' && l.msg.includes('listening on'));
      assert.deepEqual(
        listening.map((l) => l.pid),
        [service.child.pid],
      );
      assert.equal(workerPids(service).length, 0);
      assert.equal((await fresh(service.url, 'POST', '/api/v1/auth/register', newIdentity())).status, 201);
    } finally {
      service.child.kill('SIGTERM');
    }
    assert.equal(await service.exited, 0, service.output());
  });
});
