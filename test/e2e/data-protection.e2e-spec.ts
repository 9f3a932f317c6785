import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { FieldCipher } from '#src/crypto/field-cipher.js';
import { parseDataKeys } from '#src/crypto/data-keys.js';
import { startTestApp, TEST_DATA_KEYS, testPrefix, type TestApp } from '../utils/app.js';
import { sql } from '../utils/database.js';
import { type Account, registerAndLogin } from '../utils/factories.js';
import { http } from '../utils/http.js';

const run = promisify(execFile);
const REENCRYPT = new URL('../../src/cli/keys-reencrypt.js', import.meta.url).pathname;
const NEW_KEY = `k2:${randomBytes(32).toString('base64')}`;

interface SealedRow {
  phone: string | null;
  business_number: string | null;
}
const rowOf = async (t: TestApp, id: string): Promise<SealedRow> =>
  (await sql<SealedRow>(t.databaseUrl, 'SELECT phone, business_number FROM users WHERE id = $1', [id]))[0];

const setPhone = (t: TestApp, u: Account, phone: string, businessNumber?: string) =>
  http(t.url, 'PATCH', '/api/v1/users/me', {
    token: u.access,
    body: businessNumber === undefined ? { phone } : { phone, business_number: businessNumber },
  });

describe('personal fields encrypted at rest', () => {
  let t: TestApp;
  const prefix = testPrefix();
  before(async () => {
    t = await startTestApp({ redisPrefix: prefix });
  });
  after(() => t.close());

  it('stores phone and business number sealed under the active key, in PostgreSQL and in the cache', async () => {
    const u = await registerAndLogin(t.url);
    const res = await setPhone(t, u, '+82 10-1234-5678', '123-45-67890');
    assert.equal(res.status, 200);
    assert.equal(res.body.phone, '+82 10-1234-5678');
    const row = await rowOf(t, u.id);
    for (const value of [row.phone, row.business_number]) {
      assert.match(value ?? '', /^enc:v1:test1:[A-Za-z0-9_-]+$/);
      assert.doesNotMatch(value ?? '', /1234|5678|67890/);
    }
    const me = await http(t.url, 'GET', '/api/v1/users/me', { token: u.access });
    assert.equal(me.body.phone, '+82 10-1234-5678');
    assert.equal(me.body.business_number, '123-45-67890');
    // The read above filled the user cache: it holds the sealed form too.
    if (process.env.TEST_REDIS_URL !== undefined) {
      const redis = new Redis(process.env.TEST_REDIS_URL);
      try {
        const cached = await redis.get(`${prefix}user:${u.id}`);
        assert.ok(cached !== null, 'the user is cached');
        assert.doesNotMatch(cached, /1234-5678|67890/);
        assert.match(cached, /enc:v1:test1:/);
      } finally {
        redis.disconnect();
      }
    }
  });

  it('binds each value to its column: a phone copied into business_number does not open', () => {
    const cipher = new FieldCipher(parseDataKeys(TEST_DATA_KEYS));
    const sealed = cipher.seal('+1 555 0100', 'users.phone');
    assert.equal(cipher.open(sealed, 'users.phone'), '+1 555 0100');
    assert.throws(() => cipher.open(sealed, 'users.business_number'));
    assert.ok(sealed !== null);
    const tail = sealed.slice(-2) === 'AA' ? 'BB' : 'AA';
    const tampered = `${sealed.slice(0, -2)}${tail}`;
    assert.notEqual(tampered, sealed);
    assert.throws(() => cipher.open(tampered, 'users.phone'));
  });

  it('reads a value written before encryption, and seals it at the next write of the row', async () => {
    const u = await registerAndLogin(t.url);
    await sql(t.databaseUrl, "UPDATE users SET phone = '010-5555-0000' WHERE id = $1", [u.id]);
    await t.running.app.get((await import('#src/modules/users/user-cache.js')).UserCache).invalidate(u.id);
    const me = await http(t.url, 'GET', '/api/v1/users/me', { token: u.access });
    assert.equal(me.body.phone, '010-5555-0000');
    const renamed = await http(t.url, 'PATCH', '/api/v1/users/me', { token: u.access, body: { name: 'Renamed' } });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.phone, '010-5555-0000');
    assert.match((await rowOf(t, u.id)).phone ?? '', /^enc:v1:test1:/);
  });
});

describe('data-encryption key rotation under load (keys:reencrypt)', () => {
  let known: TestApp;
  let both: TestApp;
  let rotated: TestApp;
  const prefix = testPrefix();
  before(async () => {
    // The rotation's two releases: first the new key is known everywhere (the old one still
    // seals), then the new key seals. Between them every pod can open both.
    known = await startTestApp({
      redisPrefix: prefix,
      env: { DATA_ENCRYPTION_KEYS: `${TEST_DATA_KEYS},${NEW_KEY}` },
    });
    both = await startTestApp({
      databaseUrl: known.databaseUrl,
      redisPrefix: prefix,
      env: { DATA_ENCRYPTION_KEYS: `${NEW_KEY},${TEST_DATA_KEYS}` },
    });
  });
  after(async () => {
    await rotated?.close();
    await both.close();
    await known.close();
  });

  it('re-seals every row while reads and writes go on, with no failed read', async () => {
    const users: { account: Account; phone: string }[] = [];
    for (let i = 0; i < 12; i++) {
      const account = await registerAndLogin(known.url);
      const phone = `+1 555 01${String(i).padStart(2, '0')}`;
      assert.equal((await setPhone(known, account, phone)).status, 200);
      users.push({ account, phone });
    }
    // Bulk rows under the old key, so the run takes several batches.
    const cipher = new FieldCipher(parseDataKeys(TEST_DATA_KEYS));
    await sql(
      known.databaseUrl,
      `INSERT INTO users (email, name, password_hash, phone, business_number)
       SELECT 'bulk' || g || '-' || $3 || '@example.com', 'Bulk ' || g, 'x', $1, $2 FROM generate_series(1, 2500) g`,
      [
        cipher.seal('+1 555 0199', 'users.phone'),
        cipher.seal('999-99-99999', 'users.business_number'),
        prefix.slice(1, -1),
      ],
    );

    let stop = false;
    let reads = 0;
    const failures: string[] = [];
    const readers = [known, both].map(async (app) => {
      while (!stop) {
        for (const { account, phone } of users.slice(0, 8)) {
          const me = await http(app.url, 'GET', '/api/v1/users/me', { token: account.access });
          reads++;
          if (me.status !== 200 || me.body.phone !== phone)
            failures.push(`${app.url}: ${me.status} ${JSON.stringify(me.body)}`);
        }
      }
    });
    // Writes through the new release, on users the readers do not check exactly.
    const writer = (async () => {
      let n = 0;
      while (!stop) {
        const u = users[8 + (n % 4)];
        const res = await setPhone(both, u.account, `+1 555 02${String(n % 100).padStart(2, '0')}`);
        if (res.status !== 200) failures.push(`write: ${res.status}`);
        n++;
      }
    })();

    const out = await run(process.execPath, [REENCRYPT], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        DATABASE_URL: known.databaseUrl,
        DATA_ENCRYPTION_KEYS: `${NEW_KEY},${TEST_DATA_KEYS}`,
      },
    });
    stop = true;
    await Promise.all([...readers, writer]);
    assert.match(out.stdout, /done: \d+ user rows sealed under key k2/);
    assert.deepEqual(failures, [], 'every read and write succeeded during the rotation');
    assert.ok(reads > 0);
    process.stdout.write(`# ${reads} reads during the run; ${out.stdout.trim().split('\n').at(-1)}\n`);

    const stale = await sql<{ n: number }>(
      known.databaseUrl,
      `SELECT count(*)::int AS n FROM users
        WHERE (phone IS NOT NULL AND phone NOT LIKE 'enc:v1:k2:%')
           OR (business_number IS NOT NULL AND business_number NOT LIKE 'enc:v1:k2:%')`,
    );
    assert.equal(stale[0].n, 0, 'no value left under the old key');

    // The old key can go: a release with the new key only reads every user (its own cache prefix,
    // as after CACHE_TTL_SECONDS, when no cached entry under the old key is left).
    rotated = await startTestApp({ databaseUrl: known.databaseUrl, env: { DATA_ENCRYPTION_KEYS: NEW_KEY } });
    for (const { account, phone } of users.slice(0, 8)) {
      const me = await http(rotated.url, 'GET', '/api/v1/users/me', { token: account.access });
      assert.equal(me.status, 200);
      assert.equal(me.body.phone, phone);
    }
    // A second run has nothing left to do.
    const again = await run(process.execPath, [REENCRYPT], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        DATABASE_URL: known.databaseUrl,
        DATA_ENCRYPTION_KEYS: NEW_KEY,
      },
    });
    assert.match(again.stdout, /done: 0 user rows/);
  });
});
