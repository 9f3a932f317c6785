import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchingStep, newTotpSecret, otpauthUrl } from './totp.policy.js';

/** RFC 6238 appendix B, SHA-1, secret "12345678901234567890": the last six digits of each 8-digit code. */
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const VECTORS: [number, string][] = [
  [59, '287082'],
  [1111111109, '081804'],
  [1111111111, '050471'],
  [1234567890, '005924'],
  [2000000000, '279037'],
  [20000000000, '353130'],
];

describe('TOTP rules', () => {
  it('accepts the RFC 6238 codes at their time, naming their step', () => {
    for (const [seconds, code] of VECTORS) {
      assert.equal(matchingStep(RFC_SECRET, code, seconds * 1000), Math.floor(seconds / 30), `T=${seconds}`);
    }
  });

  it('accepts one step either side, not two; spaces are allowed, other shapes are not', () => {
    const [seconds, code] = VECTORS[3];
    const step = Math.floor(seconds / 30);
    assert.equal(matchingStep(RFC_SECRET, code, (seconds + 30) * 1000), step);
    assert.equal(matchingStep(RFC_SECRET, code, (seconds - 30) * 1000), step);
    assert.equal(matchingStep(RFC_SECRET, code, (seconds + 90) * 1000), null);
    assert.equal(matchingStep(RFC_SECRET, `${code.slice(0, 3)} ${code.slice(3)}`, seconds * 1000), step);
    for (const bad of ['', '12345', '1234567', 'abcdef', `${code}0`]) {
      assert.equal(matchingStep(RFC_SECRET, bad, seconds * 1000), null, bad);
    }
  });

  it('makes 160-bit base32 secrets and otpauth URLs with the issuer and the account', () => {
    const secret = newTotpSecret();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.notEqual(newTotpSecret(), secret);
    const url = new URL(otpauthUrl(secret, 'Acme', 'ada@example.com'));
    assert.equal(url.protocol, 'otpauth:');
    assert.equal(decodeURIComponent(url.pathname), '/Acme:ada@example.com');
    assert.equal(url.searchParams.get('issuer'), 'Acme');
    assert.equal(url.searchParams.get('algorithm'), 'SHA1');
  });
});
