import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { PasswordHasher } from '#src/modules/auth/passwords/password-hasher.service.js';
import type { TestApp } from '../utils/app.js';
import { registerAndLogin, setPasswordHash, startWithAdmin, type AppWithAdmin } from '../utils/factories.js';
import { http, type Res } from '../utils/http.js';
import { ABOVE_LIMIT_STRINGS, AT_LIMIT, describeSpec, makeLegacyHash } from '../utils/legacy-hashes.js';

const ADMIN = { email: 'legacy-admin@example.com', password: 'Admin-Passw0rd-Long' };
const PASSWORD = 'Legacy-Passw0rd!';
const tag = (): string => randomBytes(4).toString('hex');

/**
 * Issue 11 item 2: a stored foreign hash cannot make a login cost seconds, hold up other
 * users' logins, or block the event loop (docs/decisions.md "Legacy hash cost").
 */
describe('legacy hash cost', () => {
  let app: AppWithAdmin;
  let t: TestApp;
  let admin: string;
  before(async () => {
    app = await startWithAdmin(ADMIN, { env: { MAX_LOGIN_ATTEMPTS: '3' } });
    ({ t, admin } = app);
  });
  after(async () => {
    await app.close();
  });

  const login = (email: string, password: string): Promise<Res> =>
    http(t.url, 'POST', '/api/v1/auth/login', { body: { email, password } });
  const importUsers = (users: unknown[]): Promise<Res> =>
    http(t.url, 'POST', '/api/v1/users/import', { token: admin, body: { users } });
  const timed = async <T>(run: () => Promise<T>): Promise<[T, number]> => {
    const started = performance.now();
    const result = await run();
    return [result, Math.round(performance.now() - started)];
  };

  it('imports the dearest hash of each format, refuses dearer ones with the reason, and logs in with each', async () => {
    const run = tag();
    const atLimit = await Promise.all(AT_LIMIT.map((spec) => makeLegacyHash(spec, PASSWORD)));
    const refused = [
      ...ABOVE_LIMIT_STRINGS,
      { label: 'scrypt:65536:1:1 (N ≥ 2^(16·r))', hash: `scrypt:65536:1:1$salt$${'0'.repeat(128)}` },
    ];
    const users = [
      ...atLimit.map((hash, i) => ({ email: `limit-${i}-${run}@example.com`, name: 'At limit', password_hash: hash })),
      ...refused.map((r, i) => ({ email: `above-${i}-${run}@example.com`, name: 'Above', password_hash: r.hash })),
    ];
    const res = await importUsers(users);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const results = res.body.results as { status: string; reason?: string }[];
    assert.deepEqual(
      results.map((r) => r.status),
      [...atLimit.map(() => 'imported'), ...refused.map(() => 'failed')],
      JSON.stringify(results),
    );
    const reasons = results.slice(atLimit.length).map((r) => r.reason);
    assert.deepEqual(reasons, [
      'password_hash: bcrypt cost out of range (4-12)',
      'password_hash: pbkdf2 iterations out of range (1-1000000 for sha256)',
      'password_hash: argon2 m out of range (8·p-65536 KiB)',
      'password_hash: scrypt cost out of range (128·N·r ≤ 64 MiB, N·r·p ≤ 524288)',
      'password_hash: scrypt N must be below 2^(16·r)',
    ]);

    const times: string[] = [];
    for (const [i, spec] of AT_LIMIT.entries()) {
      const [ok, ms] = await timed(() => login(`limit-${i}-${run}@example.com`, PASSWORD));
      assert.equal(ok.status, 200, `${describeSpec(spec)} logs in`);
      times.push(`${describeSpec(spec)} ${ms} ms`);
    }
    console.log(`[legacy-hash-cost] first login (verify + argon2id rehash) at each limit: ${times.join(', ')}`);
  });

  it('two wrong-password logins at the top bcrypt and pbkdf2 cost hold up neither other logins nor the event loop', async () => {
    const run = tag();
    const legacy = [
      { email: `bcrypt-${run}@example.com`, hash: await makeLegacyHash({ algorithm: 'bcrypt', cost: 12 }, PASSWORD) },
      {
        email: `pbkdf2-${run}@example.com`,
        hash: await makeLegacyHash({ algorithm: 'pbkdf2', digest: 'sha256', iterations: 1_000_000 }, PASSWORD),
      },
    ];
    const res = await importUsers(legacy.map((u) => ({ email: u.email, name: 'Legacy', password_hash: u.hash })));
    assert.equal(res.body.imported, 2, JSON.stringify(res.body));
    const normal = await registerAndLogin(t.url);
    const hasher = t.running.app.get(PasswordHasher, { strict: false });

    let legacyRunning = true;
    const liveness: number[] = [];
    const poll = (async () => {
      while (legacyRunning) {
        const [res, ms] = await timed(() => http(t.url, 'GET', '/health/liveness'));
        assert.equal(res.status, 200);
        liveness.push(ms);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    // Two wrong-password logins per legacy account, all at once: four verifies at the top cost.
    const wrong = Promise.all(
      legacy.flatMap((u) => [1, 2].map(() => timed(() => login(u.email, `${PASSWORD}x`)))),
    ).finally(() => {
      legacyRunning = false;
    });
    const normalLogins: number[] = [];
    let duringLegacy = 0;
    while (legacyRunning) {
      const [ok, ms] = await timed(() => login(normal.identity.email, normal.identity.password));
      assert.equal(ok.status, 200);
      normalLogins.push(ms);
      if (hasher.queueDepth().legacy.active > 0) duringLegacy += 1;
    }
    const legacyLogins = await wrong;
    await poll;

    const worst = (xs: number[]): number => Math.max(...xs);
    console.log(
      `[legacy-hash-cost] wrong-password legacy logins: ${legacyLogins.map(([, ms]) => ms).join(', ')} ms; ` +
        `${normalLogins.length} normal logins meanwhile, worst ${worst(normalLogins)} ms (${normalLogins.join(', ')}); ` +
        `${liveness.length} liveness probes, worst ${worst(liveness)} ms`,
    );
    for (const [res] of legacyLogins) assert.equal(res.status, 401);
    assert.ok(duringLegacy >= 1, 'a normal login completed while the legacy queue was still busy');
    assert.ok(worst(normalLogins) < 2000, `normal login worst ${worst(normalLogins)} ms`);
    assert.ok(worst(liveness) < 1000, `liveness worst ${worst(liveness)} ms`);
  });

  it('a hash stored above the limits by other means is never run: its own password fails and counts to the lockout', async () => {
    for (const above of ABOVE_LIMIT_STRINGS) {
      const u = await registerAndLogin(t.url);
      await setPasswordHash(t.databaseUrl, u.id, above.hash);
      const [res, ms] = await timed(() => login(u.identity.email, PASSWORD));
      console.log(`[legacy-hash-cost] login against a stored ${above.label}: ${res.status} in ${ms} ms`);
      assert.equal(res.status, 401);
      assert.equal(res.body.error_code, 'USER_1001');
      assert.ok(ms < 2000, `${above.label}: ${ms} ms`);
    }

    // A real bcrypt 13 hash of the password: the right password is refused, as a failure.
    const u = await registerAndLogin(t.url);
    const dearer = await makeLegacyHash({ algorithm: 'bcrypt', cost: 13 }, PASSWORD);
    await setPasswordHash(t.databaseUrl, u.id, dearer);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await login(u.identity.email, PASSWORD)).status);
    assert.deepEqual(answers, [401, 401, 401, 423]);
  });
});
