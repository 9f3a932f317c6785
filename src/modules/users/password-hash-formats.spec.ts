import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { AppConfig } from '#src/config/app-config.js';
import { PasswordHasher } from './password-hasher.service.js';
import { parsePasswordHash, verifyWerkzeugHash } from './password-hash-formats.js';

interface Fixture {
  id: string;
  algorithm: string;
  password: string;
  hash: string;
}

// Made by werkzeug, pyca/bcrypt and argon2-cffi (test/fixtures/generate-hashes.py).
const FIXTURES = (
  JSON.parse(readFileSync(new URL('../../../../test/fixtures/password-hashes.json', import.meta.url), 'utf8')) as {
    hashes: Fixture[];
  }
).hashes;

const hasher = new PasswordHasher({
  argon2: { memoryCost: 19456, timeCost: 2, parallelism: 1, maxConcurrency: 2 },
} as AppConfig);

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

  it('never matches an erased account', async () => {
    assert.deepEqual(await hasher.verify('!erased:00112233', ''), { valid: false, needsRehash: false });
  });
});
