import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { passwordViolations } from './password.policy.js';

const strict = { minLength: 8, requireClasses: true };
const nist = { minLength: 15, requireClasses: false };

describe('password policy', () => {
  it('accepts a password with every class', () => {
    assert.deepEqual(passwordViolations('Correct-Horse-9', strict), []);
  });

  it('names each broken rule', () => {
    assert.deepEqual(passwordViolations('qzkvt', strict), ['min_length', 'uppercase', 'digit', 'special']);
    assert.deepEqual(passwordViolations('ALLUPPER-123', strict), ['lowercase']);
    assert.deepEqual(passwordViolations('NoDigits-here', strict), ['digit']);
    assert.deepEqual(passwordViolations('NoSpecial123x', strict), ['special']);
  });

  it('refuses common passwords case-insensitively', () => {
    assert.ok(passwordViolations('P@ssw0rd', strict).includes('common'));
    assert.ok(
      passwordViolations('PASSWORD1', nist).includes('common') ||
        passwordViolations('PASSWORD1', nist).includes('min_length'),
    );
    assert.ok(passwordViolations('qwertyuiop', { minLength: 8, requireClasses: false }).includes('common'));
  });

  it('counts code points, and caps at 128', () => {
    assert.deepEqual(passwordViolations('Пароль-Ω1x', strict), []);
    assert.ok(passwordViolations(`Aa1-${'x'.repeat(125)}`, strict).includes('max_length'));
    assert.deepEqual(passwordViolations(`Aa1-${'x'.repeat(60)}`, strict), []);
    // 8 emoji are 16 UTF-16 units but 8 code points
    assert.ok(passwordViolations('😀😀😀😀😀😀😀', { minLength: 8, requireClasses: false }).includes('min_length'));
  });

  it('gives the NIST policy without classes', () => {
    assert.deepEqual(passwordViolations('correct horse battery staple', nist), []);
    assert.deepEqual(passwordViolations('only fourteen!', nist), ['min_length']);
  });
});
