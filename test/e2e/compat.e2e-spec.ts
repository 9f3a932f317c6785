import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../utils/app.js';
import { newIdentity, registerAndLogin } from '../utils/factories.js';
import { http } from '../utils/http.js';
import { outboxRowsOf } from '../utils/rows.js';

/** The first version's routes, kept for old clients (contract §1). */

const SERVICE_TOKEN = 'svc-token-for-compat-tests-0123456789';

describe("the first version's API", () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ env: { ALLOWED_API_TOKENS: SERVICE_TOKEN } });
  });
  after(async () => {
    await t.close();
  });

  it('records legacy sign-ups as such and shows others only the public view', async () => {
    const id = newIdentity('leg');
    const created = await http(t.url, 'POST', '/users', {
      body: { username: id.username, email: id.email, password: id.password },
    });
    assert.equal(created.status, 201);
    const events = await outboxRowsOf<{ source: string }>(t.databaseUrl, 'user.created', created.body.id as string);
    assert.equal(events[0]?.payload.source, 'legacy');
    const other = await registerAndLogin(t.url);
    const asOther = await http(t.url, 'GET', `/users/${id.username}`, { token: other.access });
    assert.deepEqual(Object.keys(asOther.body).sort(), ['created_at', 'id', 'name', 'username']);
    const asService = await http(t.url, 'GET', `/users/${id.username}`, {
      headers: { 'x-service-token': SERVICE_TOKEN },
    });
    assert.equal(asService.body.email, id.email);
  });
});
