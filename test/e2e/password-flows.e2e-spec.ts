import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../utils/app.js';
import { sql } from '../utils/database.js';
import { newIdentity, registerAndLogin } from '../utils/factories.js';
import { http } from '../utils/http.js';
import { outboxRowsOf } from '../utils/rows.js';
import { startSmtp, tokenFrom } from '../utils/smtp.js';

describe('password and email flows over a real SMTP server', () => {
  let t: TestApp;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  before(async () => {
    smtp = await startSmtp();
    t = await startTestApp({
      env: { SMTP_URL: smtp.url, PUBLIC_URL: 'https://id.example.com', MAIL_FROM: 'accounts@example.com' },
    });
  });
  after(async () => {
    await t.close();
    await smtp.close();
  });

  it('mails a verification link at sign-up; the token verifies once', async () => {
    const u = await registerAndLogin(t.url);
    const [mail] = await smtp.waitFor(u.identity.email);
    assert.match(mail?.text ?? '', /https:\/\/id\.example\.com\/verify-email\?token=/);
    assert.match(mail?.raw ?? '', /From: accounts@example\.com/i);
    const token = tokenFrom(mail, 'verify-email');
    assert.equal((await http(t.url, 'POST', '/api/v1/auth/email/verify', { body: { token } })).status, 204);
    assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token: u.access })).body.is_verified, true);
    const again = await http(t.url, 'POST', '/api/v1/auth/email/verify', { body: { token } });
    assert.equal(again.status, 400);
    assert.equal(again.body.error_code, 'USER_1007');
    const events = await outboxRowsOf(t.databaseUrl, 'user.email_verified', u.id);
    assert.equal(events.length, 1);
  });

  it('resends verification with a new token that replaces the old one', async () => {
    const u = await registerAndLogin(t.url);
    await smtp.waitFor(u.identity.email);
    assert.equal((await http(t.url, 'POST', '/api/v1/auth/email/resend', { token: u.access })).status, 202);
    const mails = await smtp.waitFor(u.identity.email, 2);
    const first = tokenFrom(mails[0], 'verify-email');
    const second = tokenFrom(mails[1], 'verify-email');
    assert.notEqual(first, second);
    assert.equal((await http(t.url, 'POST', '/api/v1/auth/email/verify', { body: { token: first } })).status, 400);
    assert.equal((await http(t.url, 'POST', '/api/v1/auth/email/verify', { body: { token: second } })).status, 204);
  });

  it('forgot → mailed link → reset: every session ends, the token works once, the new password logs in', async () => {
    const u = await registerAndLogin(t.url);
    const other = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: u.identity.email, password: u.identity.password },
    });
    const forgot = await http(t.url, 'POST', '/api/v1/auth/password/forgot', {
      body: { email: u.identity.email.toUpperCase() },
    });
    assert.equal(forgot.status, 202);
    const mails = await smtp.waitFor(u.identity.email, 2);
    const reset = mails.find((m) => m.text.includes('reset-password'));
    assert.ok(reset);
    assert.match(reset.text, /https:\/\/id\.example\.com\/reset-password\?token=/);
    const token = tokenFrom(reset, 'reset-password');
    const stored = await sql<{ token_hash: string }>(
      t.databaseUrl,
      `SELECT token_hash FROM one_time_tokens WHERE user_id = $1 AND purpose = 'password_reset'`,
      [u.id],
    );
    assert.equal(stored.length, 1);
    assert.notEqual(stored[0]?.token_hash, token, 'only a hash is stored');

    const weak = await http(t.url, 'POST', '/api/v1/auth/password/reset', { body: { token, new_password: 'weak' } });
    assert.equal(weak.body.error_code, 'USER_1103');
    const newPassword = 'Brand-New-Passw0rd';
    assert.equal(
      (await http(t.url, 'POST', '/api/v1/auth/password/reset', { body: { token, new_password: newPassword } })).status,
      204,
    );
    for (const access of [u.access, other.body.access_token]) {
      assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token: access })).status, 401);
    }
    const replay = await http(t.url, 'POST', '/api/v1/auth/password/reset', {
      body: { token, new_password: 'Another-Passw0rd-1' },
    });
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error_code, 'USER_1007');
    assert.equal(
      (
        await http(t.url, 'POST', '/api/v1/auth/login', {
          body: { email: u.identity.email, password: u.identity.password },
        })
      ).status,
      401,
    );
    assert.equal(
      (await http(t.url, 'POST', '/api/v1/auth/login', { body: { email: u.identity.email, password: newPassword } }))
        .status,
      200,
    );
  });

  it('answers forgot with 202 for unknown emails and sends nothing', async () => {
    const email = `${newIdentity().username}@example.com`;
    const res = await http(t.url, 'POST', '/api/v1/auth/password/forgot', { body: { email } });
    assert.equal(res.status, 202);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(smtp.mails.filter((m) => m.to.includes(email)).length, 0);
    const bogus = await http(t.url, 'POST', '/api/v1/auth/password/reset', {
      body: { token: 'x'.repeat(43), new_password: 'Brand-New-Passw0rd' },
    });
    assert.equal(bogus.body.error_code, 'USER_1007');
  });

  it('refuses an expired reset token', async () => {
    const u = await registerAndLogin(t.url);
    await http(t.url, 'POST', '/api/v1/auth/password/forgot', { body: { email: u.identity.email } });
    const mails = await smtp.waitFor(u.identity.email, 2);
    const token = tokenFrom(
      mails.find((m) => m.text.includes('reset-password'))!,
      'reset-password',
    );
    await sql(t.databaseUrl, `UPDATE one_time_tokens SET expires_at = now() - interval '1 minute' WHERE user_id = $1`, [
      u.id,
    ]);
    const res = await http(t.url, 'POST', '/api/v1/auth/password/reset', {
      body: { token, new_password: 'Brand-New-Passw0rd' },
    });
    assert.equal(res.body.error_code, 'USER_1007');
  });

  it('changes the password: current required, other sessions end, this one stays', async () => {
    const u = await registerAndLogin(t.url);
    const other = await http(t.url, 'POST', '/api/v1/auth/login', {
      body: { email: u.identity.email, password: u.identity.password },
    });
    const wrong = await http(t.url, 'POST', '/api/v1/auth/password/change', {
      token: u.access,
      body: { current_password: 'nope', new_password: 'Brand-New-Passw0rd' },
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error_code, 'USER_1001');
    const weak = await http(t.url, 'POST', '/api/v1/auth/password/change', {
      token: u.access,
      body: { current_password: u.identity.password, new_password: 'password1' },
    });
    assert.equal(weak.body.error_code, 'USER_1103');
    const ok = await http(t.url, 'POST', '/api/v1/auth/password/change', {
      token: u.access,
      body: { current_password: u.identity.password, new_password: 'Brand-New-Passw0rd' },
    });
    assert.equal(ok.status, 204);
    assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token: u.access })).status, 200);
    assert.equal((await http(t.url, 'GET', '/api/v1/users/me', { token: other.body.access_token })).status, 401);
    const events = await outboxRowsOf(t.databaseUrl, 'user.password_changed', u.id);
    assert.equal(events.length, 1);
  });

  it('REQUIRE_VERIFIED_EMAIL refuses unverified logins with 403 USER_1004 until verified', async () => {
    const strict = await startTestApp({ env: { SMTP_URL: smtp.url, REQUIRE_VERIFIED_EMAIL: 'true' } });
    try {
      const id = newIdentity();
      assert.equal((await http(strict.url, 'POST', '/api/v1/auth/register', { body: id })).status, 201);
      const refused = await http(strict.url, 'POST', '/api/v1/auth/login', {
        body: { email: id.email, password: id.password },
      });
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error_code, 'USER_1004');
      const [mail] = await smtp.waitFor(id.email);
      assert.equal(
        (
          await http(strict.url, 'POST', '/api/v1/auth/email/verify', {
            body: { token: tokenFrom(mail, 'verify-email') },
          })
        ).status,
        204,
      );
      assert.equal(
        (await http(strict.url, 'POST', '/api/v1/auth/login', { body: { email: id.email, password: id.password } }))
          .status,
        200,
      );
    } finally {
      await strict.close();
    }
  });
});
