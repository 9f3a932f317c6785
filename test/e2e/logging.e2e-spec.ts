import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_EC_KEY, testPrefix } from '../utils/app.js';
import { createTestDatabase } from '../utils/database.js';
import { http, newIdentity } from '../utils/http.js';
import { type ServiceProcess, spawnService } from '../utils/service-process.js';

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
});
