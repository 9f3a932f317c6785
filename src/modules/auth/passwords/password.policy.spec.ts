import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { passwordSchema, passwordViolations } from './password.policy.js';

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

describe('passwordSchema', () => {
  const policy = { minLength: 10, requireClasses: true };
  const schema = passwordSchema(policy);
  // The document's dialect-neutral pattern, read as a client's validator would (no `u` flag).
  const pattern = new RegExp(schema.pattern ?? '');

  it('carries the configured bounds, and no pattern when the classes are off', () => {
    assert.equal(schema.minLength, 10);
    assert.equal(schema.maxLength, 128);
    assert.deepEqual(passwordSchema({ minLength: 8, requireClasses: false }), { minLength: 8, maxLength: 128 });
  });

  it('agrees with the policy on the character classes', () => {
    const cases = [
      'Correct-Horse-9x',
      'correct-horse-9x',
      'CORRECT-HORSE-9X',
      'Correct-Horse-xx',
      'CorrectHorse9xyz',
      'Ünïcödé-Straße-7',
      'ÜNÏCÖDÉ-STRASSE-7',
      'Ｆｕｌｌｗｉｄｔｈ１!',
      'Lettres ÉTÉ 2026',
      'abcdEFGH١٢٣٤_',
      'ABCDEFGH 12345',
    ];
    for (const password of cases) assertAgree(password);
  });

  it('agrees with the policy on random strings of the Basic Multilingual Plane', () => {
    let seed = 20261201;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 3000; i++) {
      const chars: string[] = [];
      for (let j = 0; j < 12; j++) {
        // Half ASCII (every class likely present), half anywhere in the BMP but the surrogates.
        const c = next(2) === 0 ? 0x20 + next(0x5f) : next(0xd800);
        chars.push(String.fromCharCode(c));
      }
      assertAgree(chars.join(''));
    }
  });

  /** The policy's class verdict on the normalised password, as PasswordPolicyService applies it. */
  function assertAgree(password: string): void {
    const classes = passwordViolations(password.normalize('NFKC'), policy).filter(
      (r) => r !== 'common' && r !== 'min_length' && r !== 'max_length',
    );
    assert.equal(
      pattern.test(password),
      classes.length === 0,
      `${JSON.stringify(password)}: policy says ${classes.join(', ')}`,
    );
  }
});
