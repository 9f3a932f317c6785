import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_COOKIE_SECRET, TEST_DATA_KEYS, TEST_EC_KEY, testPrefix } from '../utils/app.js';
import { createTestDatabase, sql } from '../utils/database.js';
import { newIdentity } from '../utils/factories.js';
import { http } from '../utils/http.js';
import { type ServiceProcess, spawnService } from '../utils/service-process.js';
import { waitFor } from '../utils/wait.js';

/** The JSON lines a service wrote so far. */
function jsonLines(service: ServiceProcess): Record<string, unknown>[] {
  return service
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('structured logs', () => {
  let db: { url: string; drop: () => Promise<void> };
  let service: ServiceProcess;
  before(async () => {
    db = await createTestDatabase();
    service = await spawnService({
      NODE_ENV: 'production',
      LOG_LEVEL: 'debug',
      DATABASE_URL: db.url,
      REDIS_URL: process.env.TEST_REDIS_URL ?? '',
      REDIS_KEY_PREFIX: testPrefix(),
      JWT_PRIVATE_KEY: TEST_EC_KEY,
      DATA_ENCRYPTION_KEYS: TEST_DATA_KEYS,
      COOKIE_SECRET: TEST_COOKIE_SECRET,
      ARGON2_MEMORY_KIB: '19456',
      ALLOWED_API_TOKENS: 'service-token-secret-0123456789',
    });
    await service.ready();
  });
  after(async () => {
    await service.kill();
    await db.drop();
  });

  it('writes JSON lines with the request id, and never a password, token or hash', async () => {
    const id = newIdentity();
    await http(service.url, 'POST', '/api/v1/auth/register', {
      body: id,
      headers: { 'x-request-id': 'trace-register-1' },
    });
    const login = await http(service.url, 'POST', '/api/v1/auth/login', {
      body: { email: id.email, password: id.password },
    });
    const { access_token: access, refresh_token: refresh } = login.body as {
      access_token: string;
      refresh_token: string;
    };
    await http(service.url, 'GET', '/api/v1/users/me', { token: access, headers: { 'x-request-id': 'trace-me-2' } });
    await http(service.url, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: refresh } });
    await http(service.url, 'POST', '/api/v1/auth/login', {
      body: { email: id.email, password: `${id.password}-wrong` },
    });
    await http(service.url, 'POST', '/api/v1/users/verify-credentials', {
      headers: { 'x-service-token': 'service-token-secret-0123456789' },
      body: { email: id.email, password: id.password },
    });
    await new Promise((r) => setTimeout(r, 300));

    const lines = service
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(entries.length > 5, `JSON lines: ${entries.length}`);
    const requestLines = entries.filter((e) => e.msg === 'request completed');
    assert.ok(requestLines.length >= 6, 'one line per request at debug');
    for (const entry of requestLines) {
      assert.equal(typeof entry.request_id, 'string', JSON.stringify(entry));
      assert.equal(typeof entry.status, 'number', JSON.stringify(entry));
    }
    assert.ok(
      requestLines.some((e) => e.status === 401 && e.level === 40),
      'a failed login is a warn line',
    );
    assert.ok(requestLines.some((e) => e.request_id === 'trace-register-1'));
    assert.ok(requestLines.some((e) => e.request_id === 'trace-me-2'));

    const text = service.output();
    for (const secret of [
      id.password,
      `${id.password}-wrong`,
      access,
      refresh,
      'service-token-secret-0123456789',
      '$argon2id$',
    ]) {
      assert.ok(!text.includes(secret), `a log line contains ${secret.slice(0, 12)}…`);
    }
  });

  it('logs a failed statement (5xx) without its SQL parameters, row detail or values', async () => {
    // A constraint the service does not know: the INSERT of a sign-up fails with 23514, whose
    // driver error carries the parameters (email, argon2 hash) and "Failing row contains (...)".
    await sql(db.url, `ALTER TABLE users ADD CONSTRAINT ck_test_boom CHECK (email NOT LIKE 'boom%')`);
    const id = newIdentity('boom');
    const res = await http(service.url, 'POST', '/api/v1/auth/register', { body: id });
    assert.equal(res.status, 500, JSON.stringify(res.body));
    assert.equal(res.body.error_code, 'COMMON_1500');

    const failure = await waitFor('the 5xx log line', () =>
      jsonLines(service).find((e) => e.msg === 'unexpected error' && e.request_id === res.body.request_id),
    );
    const err = failure.err as Record<string, unknown>;
    assert.equal(err.type, 'QueryFailedError', JSON.stringify(failure));
    assert.equal(err.code, '23514');
    assert.equal(err.constraint, 'ck_test_boom');
    assert.equal(err.parameters, undefined);
    assert.equal(err.detail, undefined);
    const line = JSON.stringify(failure);
    for (const value of [id.email, id.password, id.name, '$argon2id$', 'Failing row']) {
      assert.ok(!line.includes(value), `the 5xx line contains ${value}: ${line}`);
    }
    const text = service.output();
    for (const value of [id.email, id.password, '$argon2id$'])
      assert.ok(!text.includes(value), `a log line has ${value}`);
  });

  it('logs the path of a request, not its query string (a token or an email put there)', async () => {
    const token = 'eyJhbGciOiJFUzI1NiJ9.query-string-token-value.c2ln';
    const res = await http(service.url, 'GET', `/api/v1/users/me?access_token=${token}&q=query-victim@example.com`);
    assert.equal(res.status, 401);
    const line = await waitFor('the request line', () =>
      jsonLines(service).find((e) => e.msg === 'request completed' && e.request_id === res.body.request_id),
    );
    assert.equal(line.url, '/api/v1/users/me');
    const text = service.output();
    for (const value of [token, 'query-victim']) assert.ok(!text.includes(value), `a log line has ${value}`);
  });
});

describe('development mail in the log', () => {
  let db: { url: string; drop: () => Promise<void> };
  const started: ServiceProcess[] = [];
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    for (const s of started) await s.kill();
    await db.drop();
  });

  const devService = async (env: Record<string, string> = {}): Promise<ServiceProcess> => {
    const s = await spawnService({
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      DATABASE_URL: db.url,
      REDIS_URL: process.env.TEST_REDIS_URL ?? '',
      REDIS_KEY_PREFIX: testPrefix(),
      JWT_PRIVATE_KEY: TEST_EC_KEY,
      DATA_ENCRYPTION_KEYS: TEST_DATA_KEYS,
      COOKIE_SECRET: TEST_COOKIE_SECRET,
      ARGON2_MEMORY_KIB: '19456',
      RATE_LIMIT_ENABLED: 'false',
      DATA_DIR: `/tmp/user-service-test-${testPrefix().slice(1, -1)}`,
      ...env,
    });
    started.push(s);
    await s.ready();
    return s;
  };

  /** Signs up (a verification mail) and asks for a reset (a reset mail); returns the two mail texts. */
  const twoMails = async (s: ServiceProcess): Promise<string[]> => {
    const id = newIdentity('mail');
    assert.equal((await http(s.url, 'POST', '/api/v1/auth/register', { body: id })).status, 201);
    assert.equal(
      (await http(s.url, 'POST', '/api/v1/auth/password/forgot', { body: { email: id.email } })).status,
      202,
    );
    const mails = await waitFor('two mails in the log', () => {
      const found = jsonLines(s).filter((e) => e.msg === 'mail (no SMTP_URL set)');
      return found.length >= 2 && found;
    });
    return mails.map((e) => (e.mail as { text: string }).text);
  };

  it('shows the link path without its token by default', async () => {
    const s = await devService();
    const texts = await twoMails(s);
    const all = texts.join('\n');
    assert.match(all, /\/verify-email\?\[hidden: LOG_MAIL_LINKS=true shows it\]/);
    assert.match(all, /\/reset-password\?\[hidden: LOG_MAIL_LINKS=true shows it\]/);
    assert.doesNotMatch(s.output(), /token=/);
  });

  it('shows the whole link with LOG_MAIL_LINKS=true, and that link works', async () => {
    const s = await devService({ LOG_MAIL_LINKS: 'true' });
    const all = (await twoMails(s)).join('\n');
    assert.match(all, /\/reset-password\?token=[A-Za-z0-9_-]{20,}/);
    const token = /\/verify-email\?token=([A-Za-z0-9_-]{20,})/.exec(all)?.[1];
    assert.ok(token !== undefined, all);
    const verified = await http(s.url, 'POST', '/api/v1/auth/email/verify', { body: { token } });
    assert.ok(verified.status < 300, JSON.stringify(verified.body));
  });
});
