import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../utils/app.js';
import { http } from '../utils/http.js';

describe('health, stats and API docs', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t.close();
  });

  it('answers liveness, readiness, /health and /stats', async () => {
    assert.deepEqual((await http(t.url, 'GET', '/health/liveness')).body, { status: 'ok' });
    assert.deepEqual((await http(t.url, 'GET', '/health')).body, { status: 'ok' });
    const ready = await http(t.url, 'GET', '/health/readiness');
    assert.equal(ready.status, 200);
    assert.equal(ready.body.details.database.status, 'up');
    assert.equal(ready.body.details.cache.store, 'redis');
    const stats = await http(t.url, 'GET', '/stats');
    assert.equal(stats.body.service, 'user-service');
    assert.equal(stats.body.database, 'healthy');
    assert.equal(stats.body.cache, 'healthy');
    assert.equal(typeof stats.body.uptime_seconds, 'number');
    assert.equal(typeof stats.body.events.outbox_pending, 'number');
  });

  it('exposes Prometheus metrics for requests, logins, sign-ups, sessions and the cache', async () => {
    const id = { email: `metrics-${Date.now()}@example.com`, password: 'Metrics-Passw0rd', name: 'M' };
    await http(t.url, 'POST', '/api/v1/auth/register', { body: id });
    const ok = await http(t.url, 'POST', '/api/v1/auth/login', { body: { email: id.email, password: id.password } });
    await http(t.url, 'POST', '/api/v1/auth/login', { body: { email: id.email, password: 'Wrong-Passw0rd' } });
    await http(t.url, 'GET', '/api/v1/users/me', { token: ok.body.access_token });
    await http(t.url, 'GET', '/api/v1/users/me', { token: ok.body.access_token });
    const res = await fetch(`${t.metricsUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const text = await res.text();
    assert.match(text, /http_request_duration_seconds_bucket\{[^}]*route="\/api\/v1\/users\/me"[^}]*status_code="200"/);
    assert.match(
      text,
      /http_request_duration_seconds_count\{[^}]*route="\/api\/v1\/auth\/login"[^}]*status_code="401"/,
    );
    assert.match(text, /login_attempts_total\{result="success"\} [1-9]/);
    assert.match(text, /login_attempts_total\{result="failure"\} [1-9]/);
    assert.match(text, /failed_logins_total\{reason="invalid_credentials"\} [1-9]/);
    assert.match(text, /user_signups_total\{source="register"\} [1-9]/);
    assert.match(text, /active_sessions [1-9]/);
    assert.match(text, /cache_hits_total\{cache="user(_l1)?"\} [1-9]/);
    assert.match(text, /cache_misses_total\{cache="user"\} [1-9]/);
    assert.match(text, /process_resident_memory_bytes/);
    assert.match(text, /account_lockouts_total/);
  });

  it('documents every route with its bodies, errors and auth', async () => {
    assert.equal((await fetch(`${t.url}/docs`)).status, 200);
    const doc = (await http(t.url, 'GET', '/docs-json')).body as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, unknown>; security?: unknown[]; requestBody?: unknown }>
      >;
      components: { securitySchemes: Record<string, unknown> };
    };
    const expected = [
      'post /api/v1/auth/register',
      'post /api/v1/auth/login',
      'post /api/v1/auth/refresh',
      'post /api/v1/auth/logout',
      'post /api/v1/auth/logout-all',
      'post /api/v1/auth/password/change',
      'post /api/v1/auth/password/forgot',
      'post /api/v1/auth/password/reset',
      'post /api/v1/auth/email/verify',
      'post /api/v1/auth/email/resend',
      'get /.well-known/jwks.json',
      'get /api/v1/sessions',
      'delete /api/v1/sessions/{id}',
      'get /api/v1/users/me',
      'patch /api/v1/users/me',
      'delete /api/v1/users/me',
      'get /api/v1/users/me/export',
      'get /api/v1/users/{id}',
      'get /api/v1/users/by-username/{username}',
      'get /api/v1/users',
      'post /api/v1/users',
      'patch /api/v1/users/{id}',
      'put /api/v1/users/{id}/role',
      'delete /api/v1/users/{id}',
      'post /api/v1/users/{id}/unlock',
      'post /api/v1/users/verify-credentials',
      'post /users',
      'get /users/{username}',
      'post /users/verify-credentials',
      'get /health',
      'get /health/liveness',
      'get /health/readiness',
      'get /stats',
    ];
    for (const route of expected) {
      const [method, path] = route.split(' ') as [string, string];
      const op = doc.paths[path]?.[method];
      assert.ok(op, `${route} is documented`);
      const statuses = Object.keys(op.responses);
      assert.ok(
        statuses.some((s) => s.startsWith('2')),
        `${route} documents its success`,
      );
      if (!path.startsWith('/health') && path !== '/stats' && path !== '/.well-known/jwks.json') {
        assert.ok(
          statuses.some((s) => s.startsWith('4') || s.startsWith('5')),
          `${route} documents its errors`,
        );
      }
    }
    assert.ok(doc.components.securitySchemes.bearer !== undefined);
    assert.ok(doc.components.securitySchemes['service-token'] !== undefined);
    assert.ok(doc.paths['/api/v1/users/me']?.get?.security?.length, 'bearer routes declare their auth');
  });
});
