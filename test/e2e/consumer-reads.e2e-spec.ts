import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from '../utils/database.js';
import { type AppWithAdmin, insertUser, registerAndLogin, startWithAdmin } from '../utils/factories.js';
import { http } from '../utils/http.js';

const ADMIN = { email: 'consumer-admin@example.com', password: 'Admin-Passw0rd-Long' };
const SERVICE_TOKEN = 'consumer-service-token-0123456789abcdef';
const service = { 'x-service-token': SERVICE_TOKEN };
const PRIVATE_FIELDS = ['email', 'phone', 'role', 'is_active', 'is_verified', 'updated_at', 'last_login_at'];

/**
 * What event consumers need (issue 13 item 6): a service token reads any user by id, as
 * `user.updated`'s docs tell consumers to, and pages through every user with a cursor to
 * rebuild a copy (the backfill path of docs/events).
 */
describe('reads for event consumers', () => {
  let app: AppWithAdmin;
  before(async () => {
    app = await startWithAdmin(ADMIN, { env: { ALLOWED_API_TOKENS: SERVICE_TOKEN } });
  });
  after(async () => {
    await app.close();
  });

  it('GET /api/v1/users/{id}: the full user for a service token; 401 for a wrong or missing one', async () => {
    const { t } = app;
    const alice = await registerAndLogin(t.url);
    const bob = await registerAndLogin(t.url);

    const asService = await http(t.url, 'GET', `/api/v1/users/${alice.id}`, { headers: service });
    assert.equal(asService.status, 200);
    assert.equal(asService.body.email, alice.identity.email);
    for (const field of PRIVATE_FIELDS) assert.ok(field in asService.body, `${field} for a service`);

    const asStranger = await http(t.url, 'GET', `/api/v1/users/${alice.id}`, { token: bob.access });
    assert.equal(asStranger.status, 200);
    assert.deepEqual(Object.keys(asStranger.body).sort(), ['created_at', 'id', 'name', 'username']);

    const wrong = await http(t.url, 'GET', `/api/v1/users/${alice.id}`, { headers: { 'x-service-token': 'nope' } });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error_code, 'COMMON_1001');
    // A wrong service token is not rescued by a valid bearer token beside it.
    const both = await http(t.url, 'GET', `/api/v1/users/${alice.id}`, {
      token: bob.access,
      headers: { 'x-service-token': 'nope' },
    });
    assert.equal(both.status, 401);
    const none = await http(t.url, 'GET', `/api/v1/users/${alice.id}`);
    assert.equal(none.status, 401);
    assert.equal(none.body.error_code, 'COMMON_1001');

    const missing = await http(t.url, 'GET', '/api/v1/users/00000000-0000-4000-8000-000000000000', {
      headers: service,
    });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error_code, 'USER_1101');
  });

  it('GET /api/v1/users/export: only a service token; a stranger, a user and an admin get 401', async () => {
    const { t } = app;
    const user = await registerAndLogin(t.url);
    for (const [who, options] of [
      ['nobody', {}],
      ['a user', { token: user.access }],
      ['an admin', { token: app.admin }],
      ['a wrong service token', { headers: { 'x-service-token': `${SERVICE_TOKEN}x` } }],
    ] as const) {
      const res = await http(t.url, 'GET', '/api/v1/users/export', options);
      assert.equal(res.status, 401, who);
      assert.equal(res.body.error_code, 'COMMON_1001', who);
    }
  });

  it('pages through every user not erased, in id order, without gaps or repeats, to a null cursor', async () => {
    const { t } = app;
    for (let i = 0; i < 7; i++) await insertUser(t.databaseUrl);
    const deactivated = await insertUser(t.databaseUrl, { isActive: false });
    const erased = await insertUser(t.databaseUrl);
    const del = await http(t.url, 'DELETE', `/api/v1/users/${erased.id}`, { token: app.admin });
    assert.equal(del.status, 204);

    const seen: { id: string; email: string; is_active: boolean }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '?limit=3' : `?limit=3&after=${cursor}`;
      const res = await http(t.url, 'GET', `/api/v1/users/export${query}`, { headers: service });
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.body).sort(), ['items', 'next_cursor']);
      assert.ok(res.body.items.length <= 3);
      seen.push(...res.body.items);
      cursor = res.body.next_cursor as string | null;
      if (cursor !== null) assert.match(cursor, /^[A-Za-z0-9_-]{23}$/);
      pages += 1;
    } while (cursor !== null && pages < 100);
    assert.equal(cursor, null, 'the last page says so');

    const expected = await sql<{ id: string }>(
      t.databaseUrl,
      'SELECT id FROM users WHERE deleted_at IS NULL ORDER BY id',
    );
    assert.deepEqual(
      seen.map((u) => u.id),
      expected.map((r) => r.id),
      'every user not erased, once, in id order',
    );
    assert.ok(!seen.some((u) => u.id === erased.id), 'the erased user is left out');
    assert.equal(seen.find((u) => u.id === deactivated.id)?.is_active, false, 'a deactivated user is listed');
    assert.ok(
      seen.every((u) => typeof u.email === 'string'),
      'full users',
    );
  });

  it('refuses a cursor it did not issue and pages past the bound, never reaching SQL with them', async () => {
    const { t } = app;
    const forged = [
      "' OR 1=1 --",
      "'; DROP TABLE users; --AA",
      'A'.repeat(23), // version byte 0
      Buffer.from("1' OR '1'='1'; --x").toString('base64url').slice(0, 23), // 23 characters, not a cursor
      'AQAAAAAAAAAAAAAAAAAAAAB', // version 1 but a non-canonical last character
      'A'.repeat(24),
      '',
    ];
    for (const after of forged) {
      const res = await http(t.url, 'GET', `/api/v1/users/export?after=${encodeURIComponent(after)}`, {
        headers: service,
      });
      assert.equal(res.status, 400, `after=${after}`);
      assert.equal(res.body.error_code, 'COMMON_1000', `after=${after}`);
      assert.ok(JSON.stringify(res.body.details).includes('after'), `details name the field: ${after}`);
    }
    const twice = await http(t.url, 'GET', '/api/v1/users/export?after=AQAAAAAAAAAAAAAAAAAAAAA&after=x', {
      headers: service,
    });
    assert.equal(twice.status, 400, 'a repeated cursor');

    for (const limit of ['0', '-1', '501', '1000000', '1e3', '0x10', 'abc', '']) {
      const res = await http(t.url, 'GET', `/api/v1/users/export?limit=${encodeURIComponent(limit)}`, {
        headers: service,
      });
      assert.equal(res.status, 400, `limit=${limit}`);
      assert.equal(res.body.error_code, 'COMMON_1000', `limit=${limit}`);
    }
    const largest = await http(t.url, 'GET', '/api/v1/users/export?limit=500', { headers: service });
    assert.equal(largest.status, 200);

    // A well-formed cursor is only ever an id: the lowest one reads from the start.
    const fromZero = await http(t.url, 'GET', '/api/v1/users/export?after=AQAAAAAAAAAAAAAAAAAAAAA&limit=500', {
      headers: service,
    });
    assert.equal(fromZero.status, 200);
    assert.equal(fromZero.body.items.length, largest.body.items.length);
    const [{ count }] = await sql<{ count: string }>(t.databaseUrl, 'SELECT count(*) FROM users');
    assert.ok(Number(count) > 0, 'the users table is still there');
  });
});
