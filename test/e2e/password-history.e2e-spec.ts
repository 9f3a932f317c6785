import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../utils/app.js';
import { sql } from '../utils/database.js';
import { type Account, registerAndLogin } from '../utils/factories.js';
import { http, type Res } from '../utils/http.js';
import { startSmtp, tokenFrom } from '../utils/smtp.js';

const change = (t: TestApp, u: Account, current: string, next: string): Promise<Res> =>
  http(t.url, 'POST', '/api/v1/auth/password/change', {
    token: u.access,
    body: { current_password: current, new_password: next },
  });

const historyRows = async (t: TestApp, userId: string): Promise<number> =>
  (
    await sql<{ n: number }>(t.databaseUrl, 'SELECT count(*)::int AS n FROM password_history WHERE user_id = $1', [
      userId,
    ])
  )[0].n;

describe('password history (PASSWORD_HISTORY_COUNT)', () => {
  let t: TestApp;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  before(async () => {
    smtp = await startSmtp();
    t = await startTestApp({ env: { SMTP_URL: smtp.url, PASSWORD_HISTORY_COUNT: '3' } });
  });
  after(async () => {
    await t.close();
    await smtp.close();
  });

  it('refuses the current password and the two before it on change, and accepts the fourth back', async () => {
    const u = await registerAndLogin(t.url);
    const p = [u.identity.password, 'Second-Pass-1x', 'Third-Pass-2y', 'Fourth-Pass-3z'];
    const same = await change(t, u, p[0], p[0]);
    assert.equal(same.status, 400);
    assert.equal(same.body.error_code, 'USER_1106');
    assert.equal((await change(t, u, p[0], p[1])).status, 204);
    assert.equal((await change(t, u, p[1], p[2])).status, 204);
    for (const old of [p[0], p[1], p[2]]) {
      const res = await change(t, u, p[2], old);
      assert.equal(res.status, 400, `reusing ${old}`);
      assert.equal(res.body.error_code, 'USER_1106');
    }
    assert.equal((await change(t, u, p[2], p[3])).status, 204);
    // Three remembered in all: the current one in users, two earlier in the history.
    assert.equal(await historyRows(t, u.id), 2);
    // p[0] is now the fourth password back: allowed again.
    assert.equal((await change(t, u, p[3], p[0])).status, 204);
    const login = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: u.identity.email, password: p[0] },
    });
    assert.equal(login.status, 200);
  });

  it('refuses a remembered password on reset too, and the refused reset leaves the link usable', async () => {
    const u = await registerAndLogin(t.url);
    const original = u.identity.password;
    assert.equal((await change(t, u, original, 'Changed-Pass-9q')).status, 204);
    assert.equal(
      (await http(t.url, 'POST', '/api/v1/auth/password/forgot', { body: { email: u.identity.email } })).status,
      202,
    );
    // The sign-up's verification mail, then the reset link.
    const mail = (await smtp.waitFor(u.identity.email, 2)).find((m) => m.text.includes('/reset-password?'));
    assert.ok(mail, 'a reset mail arrived');
    const token = tokenFrom(mail, 'reset-password');
    for (const old of [original, 'Changed-Pass-9q']) {
      const res = await http(t.url, 'POST', '/api/v1/auth/password/reset', { body: { token, new_password: old } });
      assert.equal(res.status, 400, `reset to ${old}`);
      assert.equal(res.body.error_code, 'USER_1106');
    }
    const ok = await http(t.url, 'POST', '/api/v1/auth/password/reset', {
      body: { token, new_password: 'Fresh-Pass-7w' },
    });
    assert.equal(ok.status, 204);
  });

  it('keeps the hashes out of the export and deletes them on erasure', async () => {
    const u = await registerAndLogin(t.url);
    assert.equal((await change(t, u, u.identity.password, 'Another-Pass-5k')).status, 204);
    assert.equal(await historyRows(t, u.id), 1);
    const fresh = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: u.identity.email, password: 'Another-Pass-5k' },
    });
    const exported = await http(t.url, 'GET', '/api/v1/users/me/export', { token: fresh.body.access_token });
    assert.equal(exported.status, 200);
    assert.doesNotMatch(JSON.stringify(exported.body), /\$argon2|password_hash|password_history/i);
    const erased = await http(t.url, 'DELETE', '/api/v1/users/me', {
      token: fresh.body.access_token,
      body: { password: 'Another-Pass-5k' },
    });
    assert.equal(erased.status, 204);
    assert.equal(await historyRows(t, u.id), 0);
    const events = await sql(t.databaseUrl, 'SELECT payload::text AS p FROM outbox_events WHERE aggregate_id = $1', [
      u.id,
    ]);
    for (const e of events) assert.doesNotMatch(String(e.p), /\$argon2/);
  });
});

describe('password history off (PASSWORD_HISTORY_COUNT=0)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ env: { PASSWORD_HISTORY_COUNT: '0' } });
  });
  after(() => t.close());

  it('lets a user keep or return to any password and remembers nothing', async () => {
    const u = await registerAndLogin(t.url);
    assert.equal((await change(t, u, u.identity.password, u.identity.password)).status, 204);
    assert.equal((await change(t, u, u.identity.password, 'Other-Pass-4m')).status, 204);
    assert.equal((await change(t, u, 'Other-Pass-4m', u.identity.password)).status, 204);
    assert.equal(await historyRows(t, u.id), 0);
  });
});
