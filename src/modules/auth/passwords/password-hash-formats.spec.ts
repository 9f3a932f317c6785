import assert from 'node:assert/strict';
import { pbkdf2Sync, scryptSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Algorithm, hash as argon2Hash } from '@node-rs/argon2';
import { hash as bcryptHash } from '@node-rs/bcrypt';
import type { AppConfig } from '#src/config/app-config.js';
import { PasswordHasher } from './password-hasher.service.js';
import { HASH_LIMITS, parsePasswordHash, verifyWerkzeugHash } from './password-hash-formats.js';

interface Fixture {
  id: string;
  algorithm: string;
  password: string;
  hash: string;
}

// Made by werkzeug, pyca/bcrypt and argon2-cffi (test/fixtures/generate-hashes.py).
const FIXTURES = (
  JSON.parse(readFileSync(new URL('../../../../../test/fixtures/password-hashes.json', import.meta.url), 'utf8')) as {
    hashes: Fixture[];
  }
).hashes;

const hasher = new PasswordHasher({
  argon2: { memoryCost: 19456, timeCost: 2, parallelism: 1, maxConcurrency: 2 },
  legacyHashes: { maxConcurrency: 1 },
} as AppConfig);

const PASSWORD = 'Legacy-Passw0rd!';
const SALT = 'c2FsdHNhbHRzYWx0';

/** Real hashes in the imported formats, with the given cost (as werkzeug, bcrypt and argon2 write them). */
const make = {
  bcrypt: (cost: number) => bcryptHash(PASSWORD, cost),
  pbkdf2: (digest: 'sha1' | 'sha256' | 'sha512', iterations: number) => {
    const bytes = { sha1: 20, sha256: 32, sha512: 64 }[digest];
    return `pbkdf2:${digest}:${iterations}$${SALT}$${pbkdf2Sync(PASSWORD, SALT, iterations, bytes, digest).toString('hex')}`;
  },
  scrypt: (n: number, r: number, p: number) => {
    const key = scryptSync(PASSWORD, SALT, 64, { N: n, r, p, maxmem: 132 * n * r * p });
    return `scrypt:${n}:${r}:${p}$${SALT}$${key.toString('hex')}`;
  },
  argon2id: (memoryCost: number, timeCost: number, parallelism: number) =>
    argon2Hash(PASSWORD, { algorithm: Algorithm.Argon2id, memoryCost, timeCost, parallelism }),
};

describe('password hash formats', () => {
  it('recognises every reference hash with its algorithm', () => {
    for (const f of FIXTURES) {
      const parsed = parsePasswordHash(f.hash);
      assert.ok(parsed.ok, `${f.id}: ${parsed.ok ? '' : parsed.reason}`);
      assert.equal(parsed.hash.algorithm, f.algorithm, f.id);
    }
  });

  it('verifies each reference hash with its password only, and asks for an argon2id rehash', async () => {
    for (const f of FIXTURES) {
      const good = await hasher.verify(f.hash, f.password);
      assert.equal(good.valid, true, `${f.id} accepts its password`);
      const current = f.hash.startsWith('$argon2id$v=19$m=19456,t=2,p=1$');
      assert.equal(good.needsRehash, !current, `${f.id} needsRehash`);
      const bad = await hasher.verify(f.hash, `${f.password}x`);
      assert.deepEqual(bad, { valid: false, needsRehash: false }, `${f.id} refuses another password`);
    }
  });

  it('checks werkzeug hashes byte for byte: another salt or a flipped bit fails', async () => {
    const scrypt = FIXTURES.find((f) => f.algorithm === 'scrypt') as Fixture;
    const parsed = parsePasswordHash(scrypt.hash);
    assert.ok(parsed.ok && parsed.hash.algorithm === 'scrypt');
    assert.equal(await verifyWerkzeugHash(parsed.hash, scrypt.password), true);
    assert.equal(await verifyWerkzeugHash({ ...parsed.hash, salt: `${parsed.hash.salt}x` }, scrypt.password), false);
    const flipped = Buffer.from(parsed.hash.key);
    flipped[0] = flipped[0] ^ 1;
    assert.equal(await verifyWerkzeugHash({ ...parsed.hash, key: flipped }, scrypt.password), false);
  });

  it('refuses unknown formats and unbounded costs with a reason', () => {
    const refused = [
      ['', 'unsupported'],
      ['plain-text-password', 'unsupported'],
      ['md5$abc$def', 'unsupported'],
      ['!erased:0011', 'unsupported'],
      ['$argon2d$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo', 'malformed argon2'],
      ['$argon2id$v=19$m=4194304,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo', 'argon2 m'],
      ['$2x$10$abcdefghijklmnopqrstuuVd5Q3Lh0bS1Mq7Ckz9xT4V6O9jpQw1e', 'malformed bcrypt'],
      ['$2b$31$abcdefghijklmnopqrstuuVd5Q3Lh0bS1Mq7Ckz9xT4V6O9jpQw1e', 'bcrypt cost'],
      ['$2b$10$tooshort', 'malformed bcrypt'],
      ['pbkdf2:sha256$salt$00', 'malformed werkzeug pbkdf2'],
      ['pbkdf2:md5:1000$salt$00', 'malformed werkzeug pbkdf2'],
      [`pbkdf2:sha256:1000$salt$${'0'.repeat(62)}`, 'pbkdf2 sha256 key'],
      [`pbkdf2:sha256:99999999$salt$${'0'.repeat(64)}`, 'pbkdf2 iterations'],
      [`pbkdf2:sha256:1000$salt$${'A'.repeat(64)}`, 'malformed werkzeug pbkdf2'],
      [`scrypt:32768:8:1$salt$${'0'.repeat(64)}`, 'scrypt key'],
      [`scrypt:30000:8:1$salt$${'0'.repeat(128)}`, 'power of two'],
      [`scrypt:1048576:8:1$salt$${'0'.repeat(128)}`, 'scrypt cost'],
      [`scrypt:32768:8:1$$${'0'.repeat(128)}`, 'malformed werkzeug scrypt'],
    ] as const;
    for (const [hash, reason] of refused) {
      const parsed = parsePasswordHash(hash);
      assert.equal(parsed.ok, false, hash);
      assert.match(parsed.ok ? '' : parsed.reason, new RegExp(reason.replace(/[$()]/g, '\\$&')), hash);
    }
  });

  it('bounds every cost: the limit is accepted, one step above is refused with a reason', () => {
    const hex = (bytes: number): string => '0'.repeat(bytes * 2);
    const argon2 = (m: number, t: number, p = 1): string => `$argon2id$v=19$m=${m},t=${t},p=${p}$c2FsdHNhbHQ$aGFzaA`;
    const bcrypt = (cost: number): string => `$2b$${cost}$${'a'.repeat(53)}`;
    const accepted = [
      bcrypt(HASH_LIMITS.bcryptCost),
      `pbkdf2:sha256:${HASH_LIMITS.pbkdf2Iterations.sha256}$salt$${hex(32)}`,
      `pbkdf2:sha1:${HASH_LIMITS.pbkdf2Iterations.sha1}$salt$${hex(20)}`,
      `pbkdf2:sha512:${HASH_LIMITS.pbkdf2Iterations.sha512}$salt$${hex(64)}`,
      `scrypt:65536:8:1$salt$${hex(64)}`,
      `scrypt:32768:1:1$salt$${hex(64)}`,
      argon2(65536, 3, 4),
      argon2(32768, 6),
    ];
    for (const stored of accepted) assert.equal(parsePasswordHash(stored).ok, true, stored);
    const refused = [
      [bcrypt(HASH_LIMITS.bcryptCost + 1), 'bcrypt cost out of range (4-12)'],
      [`pbkdf2:sha256:${HASH_LIMITS.pbkdf2Iterations.sha256 + 1}$salt$${hex(32)}`, 'pbkdf2 iterations out of range'],
      [`pbkdf2:sha1:${HASH_LIMITS.pbkdf2Iterations.sha1 + 1}$salt$${hex(20)}`, 'pbkdf2 iterations out of range'],
      [`pbkdf2:sha512:${HASH_LIMITS.pbkdf2Iterations.sha512 + 1}$salt$${hex(64)}`, '1-350000 for sha512'],
      [`scrypt:131072:8:1$salt$${hex(64)}`, 'scrypt cost out of range'],
      [`scrypt:65536:8:2$salt$${hex(64)}`, 'scrypt cost out of range'],
      [argon2(65536, 4), 'argon2 cost out of range'],
      [argon2(65536 * 2, 1), 'argon2 m out of range'],
      [argon2(32768, 7), 'argon2 cost out of range'],
      // The costs issue 11 found accepted: 7-18 s per wrong-password login.
      [bcrypt(15), 'bcrypt cost'],
      [`pbkdf2:sha256:10000000$salt$${hex(32)}`, 'pbkdf2 iterations'],
      [argon2(262_144, 10), 'argon2 m'],
    ] as const;
    for (const [stored, reason] of refused) {
      const parsed = parsePasswordHash(stored);
      assert.equal(parsed.ok, false, stored);
      assert.ok(!parsed.ok && parsed.reason.includes(reason), `${stored}: ${parsed.ok ? '' : parsed.reason}`);
    }
  });

  it('refuses scrypt parameters that can never verify (N ≥ 2^(16·r), RFC 7914)', async () => {
    for (const stored of [`scrypt:65536:1:1$salt$${'0'.repeat(128)}`, `scrypt:131072:1:2$salt$${'0'.repeat(128)}`]) {
      const parsed = parsePasswordHash(stored);
      assert.ok(!parsed.ok && parsed.reason === 'scrypt N must be below 2^(16·r)', stored);
    }
    // Just below the bound, the same r verifies.
    const ok = make.scrypt(32768, 1, 1);
    assert.equal((await hasher.verify(ok, PASSWORD)).valid, true);
  });

  it('verifies the dearest accepted hash of each format', async () => {
    const atLimit = [
      await make.bcrypt(HASH_LIMITS.bcryptCost),
      make.pbkdf2('sha256', HASH_LIMITS.pbkdf2Iterations.sha256),
      make.pbkdf2('sha512', HASH_LIMITS.pbkdf2Iterations.sha512),
      make.scrypt(65536, 8, 1),
      await make.argon2id(65536, 3, 4),
    ];
    for (const stored of atLimit) {
      assert.deepEqual(await hasher.verify(stored, PASSWORD), { valid: true, needsRehash: true }, stored);
    }
  });

  it('refuses to verify a stored hash above the limits, even with its own password (e.g. stored by SQL)', async () => {
    const aboveLimit = [
      await make.bcrypt(HASH_LIMITS.bcryptCost + 1),
      make.pbkdf2('sha256', HASH_LIMITS.pbkdf2Iterations.sha256 + 1),
      make.scrypt(65536, 8, 2),
      await make.argon2id(65536, 4, 1),
    ];
    for (const stored of aboveLimit) {
      assert.equal(parsePasswordHash(stored).ok, false, stored);
      assert.deepEqual(await hasher.verify(stored, PASSWORD), { valid: false, needsRehash: false }, stored);
    }
  });

  it('verifies imported hashes in a queue of their own, so they never hold the login queue', async () => {
    const own = await hasher.hash(PASSWORD);
    const cheaper = FIXTURES.find((f) => f.id === 'argon2id-owasp') as Fixture;
    const dearer = FIXTURES.find((f) => f.id === 'argon2id-default') as Fixture;
    const bcrypt = await make.bcrypt(10);
    const pending = [
      hasher.verify(bcrypt, 'wrong'),
      hasher.verify(dearer.hash, 'wrong'),
      hasher.verify(own, 'wrong'),
      hasher.verify(cheaper.hash, 'wrong'),
    ];
    assert.deepEqual(hasher.queueDepth(), {
      // bcrypt runs, the argon2 hash dearer than ours (m=65536, t=3) waits behind it...
      legacy: { active: 1, pending: 1 },
      // ...while our own hash and the one no dearer than ours run at once in the login queue.
      argon2: { active: 2, pending: 0 },
    });
    const results = await Promise.all(pending);
    assert.ok(results.every((r) => !r.valid));
    assert.deepEqual(hasher.queueDepth(), { legacy: { active: 0, pending: 0 }, argon2: { active: 0, pending: 0 } });
  });

  it('never matches an erased account', async () => {
    assert.deepEqual(await hasher.verify('!erased:00112233', ''), { valid: false, needsRehash: false });
  });
});
