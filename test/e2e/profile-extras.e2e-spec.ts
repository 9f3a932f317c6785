import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from '../utils/app.js';
import { sql } from '../utils/database.js';
import {
  createAndLogin,
  newIdentity,
  registerAndLogin,
  startWithAdmin,
  type AppWithAdmin,
} from '../utils/factories.js';
import { http } from '../utils/http.js';

const ADMIN = { email: 'extras-admin@example.com', password: 'Admin-Passw0rd-Long' };

describe('badges and learning goals', () => {
  let app: AppWithAdmin;
  let t: TestApp;
  let admin: string;
  let moderator: string;
  before(async () => {
    app = await startWithAdmin(ADMIN);
    ({ t, admin } = app);
    moderator = (await createAndLogin(t.url, admin, newIdentity('mod'), 'moderator')).access;
  });
  after(async () => {
    await app.close();
  });

  it("lets the owner award badges that anyone can read, whitelisted to the contract's fields", async () => {
    const u = await registerAndLogin(t.url);
    const res = await http(t.url, 'POST', `/api/v1/users/${u.id}/badges`, {
      token: u.access,
      body: {
        name: '  First week  ',
        description: 'Seven days\nin a row',
        icon_url: 'https://cdn.example.com/badges/week.png',
        date_achieved: '2026-01-02T03:04:05Z',
      },
    });
    assert.equal(res.status, 201);
    assert.deepEqual(Object.keys(res.body).sort(), ['date_achieved', 'description', 'icon_url', 'id', 'name']);
    assert.equal(res.body.name, 'First week', 'trimmed');
    assert.equal(res.body.date_achieved, '2026-01-02T03:04:05.000Z');
    const minimal = await http(t.url, 'POST', `/api/v1/users/${u.id}/badges`, {
      token: u.access,
      body: { name: 'Minimal' },
    });
    assert.equal(minimal.status, 201);
    assert.equal(minimal.body.description, null);
    assert.equal(minimal.body.icon_url, null);
    assert.ok(Math.abs(Date.parse(minimal.body.date_achieved as string) - Date.now()) < 60_000, 'defaults to now');

    const list = await http(t.url, 'GET', `/api/v1/users/${u.id}/badges`);
    assert.equal(list.status, 200, 'public: no token');
    assert.equal(list.body.total, 2);
    assert.deepEqual(
      list.body.items.map((b: { name: string }) => b.name),
      ['Minimal', 'First week'],
      'newest achievement first',
    );
    assert.equal(list.body.page, 1);
    assert.equal(list.body.limit, 20);
  });

  it('validates badges: name, lengths, http(s) icon URLs, no future dates, no unknown fields', async () => {
    const u = await registerAndLogin(t.url);
    const path = `/api/v1/users/${u.id}/badges`;
    const bad: [unknown, string][] = [
      [{}, 'name'],
      [{ name: '   ' }, 'name'],
      [{ name: 'x'.repeat(101) }, 'name'],
      [{ name: 'bell\u0007' }, 'name'],
      [{ name: 42 }, 'name'],
      [{ name: 'ok', description: 'd'.repeat(501) }, 'description'],
      [{ name: 'ok', icon_url: 'javascript:alert(1)' }, 'icon_url'],
      [{ name: 'ok', icon_url: 'ftp://files.example.com/a.png' }, 'icon_url'],
      [{ name: 'ok', icon_url: 'not a url' }, 'icon_url'],
      [{ name: 'ok', icon_url: `https://example.com/${'a'.repeat(2048)}` }, 'icon_url'],
      [{ name: 'ok', date_achieved: 'yesterday' }, 'date_achieved'],
      [{ name: 'ok', date_achieved: new Date(Date.now() + 86_400_000).toISOString() }, 'date_achieved'],
      [{ name: 'ok', user_id: u.id }, 'user_id'],
    ];
    for (const [body, field] of bad) {
      const res = await http(t.url, 'POST', path, { token: u.access, body });
      assert.equal(res.status, 400, JSON.stringify(body).slice(0, 80));
      assert.equal(res.body.error_code, 'COMMON_1000');
      assert.ok(
        (res.body.details as { field: string }[]).some((d) => d.field === field),
        `${field} named in ${JSON.stringify(res.body.details)}`,
      );
    }
    const http1 = await http(t.url, 'POST', path, {
      token: u.access,
      body: { name: 'ok', icon_url: 'http://img.example.org/x.svg?v=2' },
    });
    assert.equal(http1.status, 201);
    assert.equal((await http(t.url, 'GET', path)).body.total, 1, 'nothing else was stored');
  });

  it('lets the owner manage learning goals: defaults, partial updates, delete', async () => {
    const u = await registerAndLogin(t.url);
    const path = `/api/v1/users/${u.id}/goals`;
    const created = await http(t.url, 'POST', path, {
      token: u.access,
      body: { title: 'Finish the TypeScript course', description: 'chapters 1-12' },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.status, 'in-progress');
    assert.equal(created.body.streak_count, 0);
    assert.deepEqual(Object.keys(created.body).sort(), [
      'created_at',
      'description',
      'id',
      'status',
      'streak_count',
      'title',
      'updated_at',
    ]);
    const goal = `${path}/${created.body.id as string}`;

    const updated = await http(t.url, 'PUT', goal, {
      token: u.access,
      body: { status: 'completed', streak_count: 12 },
    });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.status, 'completed');
    assert.equal(updated.body.streak_count, 12);
    assert.equal(updated.body.title, 'Finish the TypeScript course', 'fields left out keep their value');
    assert.equal(updated.body.description, 'chapters 1-12');
    assert.ok(Date.parse(updated.body.updated_at as string) >= Date.parse(created.body.updated_at as string));

    const cleared = await http(t.url, 'PUT', goal, { token: u.access, body: { description: null, title: 'Renamed' } });
    assert.equal(cleared.status, 200);
    assert.equal(cleared.body.description, null);
    assert.equal(cleared.body.title, 'Renamed');

    const read = await http(t.url, 'GET', path);
    assert.equal(read.status, 200);
    assert.equal(read.body.total, 1);
    assert.deepEqual(read.body.items[0], cleared.body);

    assert.equal((await http(t.url, 'DELETE', goal, { token: u.access })).status, 204);
    assert.equal((await http(t.url, 'GET', path)).body.total, 0);
    const again = await http(t.url, 'DELETE', goal, { token: u.access });
    assert.equal(again.status, 404);
    assert.equal(again.body.error_code, 'USER_1301');
  });

  it('validates goals: status values, streak_count integer >= 0, lengths, no nulls for required fields', async () => {
    const u = await registerAndLogin(t.url);
    const path = `/api/v1/users/${u.id}/goals`;
    const createBad: [unknown, string][] = [
      [{}, 'title'],
      [{ title: '' }, 'title'],
      [{ title: 't'.repeat(201) }, 'title'],
      [{ title: 'ok', description: 'd'.repeat(2001) }, 'description'],
      [{ title: 'ok', status: 'done' }, 'status'],
      [{ title: 'ok', status: 'In-Progress' }, 'status'],
      [{ title: 'ok', streak_count: -1 }, 'streak_count'],
      [{ title: 'ok', streak_count: 1.5 }, 'streak_count'],
      [{ title: 'ok', streak_count: '3' }, 'streak_count'],
      [{ title: 'ok', streak_count: 2 ** 31 }, 'streak_count'],
    ];
    for (const [body, field] of createBad) {
      const res = await http(t.url, 'POST', path, { token: u.access, body });
      assert.equal(res.status, 400, JSON.stringify(body).slice(0, 80));
      assert.ok(
        (res.body.details as { field: string }[]).some((d) => d.field === field),
        `${field} named in ${JSON.stringify(res.body.details)}`,
      );
    }
    const created = await http(t.url, 'POST', path, {
      token: u.access,
      body: { title: 'ok', status: 'completed', streak_count: 3 },
    });
    assert.equal(created.status, 201);
    const goal = `${path}/${created.body.id as string}`;
    for (const body of [{ title: null }, { status: null }, { streak_count: null }, { streak_count: -5 }, { x: 1 }]) {
      const res = await http(t.url, 'PUT', goal, { token: u.access, body });
      assert.equal(res.status, 400, JSON.stringify(body));
    }
    const unchanged = await http(t.url, 'GET', path);
    assert.equal(unchanged.body.items[0].streak_count, 3);
    assert.equal(unchanged.body.items[0].status, 'completed');
    const rows = await sql(t.databaseUrl, 'SELECT count(*)::int AS n FROM learning_goals WHERE user_id = $1', [u.id]);
    assert.deepEqual(rows, [{ n: 1 }]);
  });

  it('allows writes by the owner and staff only: badges by admins and moderators, goals by admins', async () => {
    const owner = await registerAndLogin(t.url);
    const other = await registerAndLogin(t.url);
    const badges = `/api/v1/users/${owner.id}/badges`;
    const goals = `/api/v1/users/${owner.id}/goals`;

    for (const [path, body] of [
      [badges, { name: 'stolen' }],
      [goals, { title: 'stolen' }],
    ] as const) {
      const asOther = await http(t.url, 'POST', path, { token: other.access, body });
      assert.equal(asOther.status, 403, path);
      assert.equal(asOther.body.error_code, 'COMMON_1003');
      const anonymous = await http(t.url, 'POST', path, { body });
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.body.error_code, 'COMMON_1001');
    }
    assert.equal(
      (await http(t.url, 'POST', badges, { token: moderator, body: { name: 'Helpful' } })).status,
      201,
      'a moderator awards a badge',
    );
    assert.equal(
      (await http(t.url, 'POST', goals, { token: moderator, body: { title: 'x' } })).status,
      403,
      'but does not set goals',
    );
    const byAdmin = await http(t.url, 'POST', goals, { token: admin, body: { title: 'Set by admin' } });
    assert.equal(byAdmin.status, 201);
    assert.equal((await http(t.url, 'POST', badges, { token: admin, body: { name: 'Staff pick' } })).status, 201);

    const goal = `${goals}/${byAdmin.body.id as string}`;
    for (const token of [other.access, moderator]) {
      assert.equal((await http(t.url, 'PUT', goal, { token, body: { streak_count: 1 } })).status, 403);
      assert.equal((await http(t.url, 'DELETE', goal, { token })).status, 403);
    }
    assert.equal((await http(t.url, 'PUT', goal, { token: owner.access, body: { streak_count: 1 } })).status, 200);
    assert.equal((await http(t.url, 'PUT', goal, { token: admin, body: { streak_count: 2 } })).status, 200);
    assert.equal((await http(t.url, 'DELETE', goal, { token: admin })).status, 204);
    assert.equal((await http(t.url, 'GET', badges)).body.total, 2);
  });

  it('answers 404 for unknown users and goals, and never reaches another user’s goal through a path', async () => {
    const owner = await registerAndLogin(t.url);
    const other = await registerAndLogin(t.url);
    const unknown = randomUUID();
    for (const path of [`/api/v1/users/${unknown}/badges`, `/api/v1/users/${unknown}/goals`]) {
      const read = await http(t.url, 'GET', path);
      assert.equal(read.status, 404);
      assert.equal(read.body.error_code, 'USER_1101');
    }
    const write = await http(t.url, 'POST', `/api/v1/users/${unknown}/goals`, { token: admin, body: { title: 'x' } });
    assert.equal(write.status, 404);
    assert.equal(write.body.error_code, 'USER_1101');
    const badId = await http(t.url, 'GET', '/api/v1/users/not-a-uuid/badges');
    assert.equal(badId.status, 400);
    assert.equal(badId.body.details[0].field, 'id');

    const theirs = await http(t.url, 'POST', `/api/v1/users/${other.id}/goals`, {
      token: other.access,
      body: { title: 'theirs' },
    });
    const through = `/api/v1/users/${owner.id}/goals/${theirs.body.id as string}`;
    const put = await http(t.url, 'PUT', through, { token: owner.access, body: { title: 'mine now' } });
    assert.equal(put.status, 404);
    assert.equal(put.body.error_code, 'USER_1301');
    assert.equal((await http(t.url, 'DELETE', through, { token: admin })).status, 404);
    const missing = await http(t.url, 'PUT', `/api/v1/users/${owner.id}/goals/${randomUUID()}`, {
      token: owner.access,
      body: { title: 'x' },
    });
    assert.equal(missing.body.error_code, 'USER_1301');
    const badGoal = await http(t.url, 'DELETE', `/api/v1/users/${owner.id}/goals/42`, { token: owner.access });
    assert.equal(badGoal.status, 400);
    assert.equal(badGoal.body.details[0].field, 'goal_id');
    const still = await http(t.url, 'GET', `/api/v1/users/${other.id}/goals`);
    assert.equal(still.body.items[0].title, 'theirs');
  });

  it('pages both lists with {items, total, page, limit}, limit at most 100', async () => {
    const u = await registerAndLogin(t.url);
    for (let i = 0; i < 5; i++) {
      const goal = await http(t.url, 'POST', `/api/v1/users/${u.id}/goals`, {
        token: u.access,
        body: { title: `goal ${i}` },
      });
      assert.equal(goal.status, 201);
      const badge = await http(t.url, 'POST', `/api/v1/users/${u.id}/badges`, {
        token: u.access,
        body: { name: `badge ${i}`, date_achieved: `2025-0${i + 1}-01T00:00:00Z` },
      });
      assert.equal(badge.status, 201);
    }
    for (const kind of ['badges', 'goals']) {
      const base = `/api/v1/users/${u.id}/${kind}`;
      const pages = [];
      for (const page of [1, 2, 3]) {
        const res = await http(t.url, 'GET', `${base}?page=${page}&limit=2`);
        assert.equal(res.status, 200);
        assert.equal(res.body.total, 5);
        assert.equal(res.body.page, page);
        assert.equal(res.body.limit, 2);
        pages.push(...(res.body.items as { id: string }[]));
      }
      assert.equal(new Set(pages.map((p) => p.id)).size, 5, `${kind}: pages cover all, without overlap`);
      assert.equal((await http(t.url, 'GET', `${base}?page=4&limit=2`)).body.items.length, 0);
      for (const query of ['limit=101', 'limit=0', 'page=0', 'page=x', 'limit=2.5', 'sort=name']) {
        const res = await http(t.url, 'GET', `${base}?${query}`);
        assert.equal(res.status, 400, `${kind}?${query}`);
        assert.equal(res.body.error_code, 'COMMON_1000');
      }
      assert.equal((await http(t.url, 'GET', `${base}?limit=100`)).status, 200);
    }
    const badges = await http(t.url, 'GET', `/api/v1/users/${u.id}/badges?limit=2`);
    assert.deepEqual(
      badges.body.items.map((b: { name: string }) => b.name),
      ['badge 4', 'badge 3'],
    );
  });

  it('documents the routes with their errors in the OpenAPI document', async () => {
    const doc = (await http(t.url, 'GET', '/docs-json')).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
    };
    const ops = [
      ['get', '/api/v1/users/{id}/badges', '200', '404'],
      ['post', '/api/v1/users/{id}/badges', '201', '403'],
      ['get', '/api/v1/users/{id}/goals', '200', '404'],
      ['post', '/api/v1/users/{id}/goals', '201', '403'],
      ['put', '/api/v1/users/{id}/goals/{goal_id}', '200', '404'],
      ['delete', '/api/v1/users/{id}/goals/{goal_id}', '204', '404'],
    ] as const;
    for (const [method, path, ok, error] of ops) {
      const op = doc.paths[path]?.[method];
      assert.ok(op, `${method} ${path}`);
      assert.ok(op.responses[ok] !== undefined && op.responses[error] !== undefined, `${method} ${path} responses`);
      assert.equal((op.security?.length ?? 0) > 0, method !== 'get', `${method} ${path} security`);
    }
  });
});
