import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashRecoveryCode, newRecoveryCodes } from './recovery-codes.policy.js';

describe('recovery codes', () => {
  it('are ten distinct codes of 16 symbols from 32 (80 bits each)', () => {
    const codes = newRecoveryCodes();
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) assert.match(code, /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    const symbols = new Set(codes.join('').replace(/-/g, ''));
    assert.ok(symbols.size > 20, 'the whole alphabet is in use');
  });

  it('hash per user, ignoring case, dashes and spaces', () => {
    const [code] = newRecoveryCodes() as [string];
    const hash = hashRecoveryCode('u1', code);
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.equal(hashRecoveryCode('u1', code.toUpperCase().replace(/-/g, ' ')), hash);
    assert.notEqual(hashRecoveryCode('u2', code), hash);
  });
});
