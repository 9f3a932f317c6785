import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '#src/config/app-config.js';
import { TotpSecretCipher } from './totp-secret.cipher.js';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const withKey = (hex: string): TotpSecretCipher =>
  new TotpSecretCipher(loadConfig({ MFA_ENCRYPTION_KEY: hex, DATA_DIR: '/nonexistent' }));

describe('TOTP secret cipher', () => {
  it('round-trips, with a fresh IV each time and the key id in the text', () => {
    const cipher = withKey('11'.repeat(32));
    const one = cipher.encrypt('user-1', SECRET);
    assert.notEqual(cipher.encrypt('user-1', SECRET), one);
    assert.match(one, /^v1\.[\w-]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.ok(!one.includes(SECRET));
    assert.equal(cipher.decrypt('user-1', one), SECRET);
  });

  it("refuses another user's row, a tampered text and another key", () => {
    const cipher = withKey('11'.repeat(32));
    const stored = cipher.encrypt('user-1', SECRET);
    assert.throws(() => cipher.decrypt('user-2', stored));
    const parts = stored.split('.');
    parts[3] = Buffer.from('x'.repeat(20)).toString('base64url');
    assert.throws(() => cipher.decrypt('user-1', parts.join('.')));
    assert.throws(() => withKey('22'.repeat(32)).decrypt('user-1', stored), /key id/);
  });

  it('keeps a generated key under DATA_DIR outside production, and has none in production without one', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mfa-key-'));
    const first = new TotpSecretCipher(loadConfig({ DATA_DIR: dataDir }));
    const stored = first.encrypt('u', SECRET);
    assert.ok(readdirSync(join(dataDir, 'keys')).includes('mfa-encryption.key'));
    assert.equal(new TotpSecretCipher(loadConfig({ DATA_DIR: dataDir })).decrypt('u', stored), SECRET);
    const prod = new TotpSecretCipher(
      loadConfig({
        NODE_ENV: 'production',
        DATA_DIR: dataDir,
        DATABASE_URL: 'postgres://u:p@db/x',
        REDIS_URL: 'redis://r:6379',
        JWT_PRIVATE_KEY: 'pem',
        DATA_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
        COOKIE_SECRET: 'c'.repeat(43),
      }),
    );
    assert.equal(prod.available, false);
    assert.throws(() => prod.encrypt('u', SECRET), { code: 'COMMON_1503' });
  });
});
