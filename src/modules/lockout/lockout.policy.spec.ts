import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accountSubject, identifierSubject, locksNow, retryAfterSeconds, subjectsOf } from './lockout.policy.js';

describe('lockout policy', () => {
  it('keys unknown identifiers by canonical email, else username', () => {
    assert.equal(identifierSubject({ email: ' Ada@Example.COM ' }), 'e:ada@example.com');
    assert.equal(identifierSubject({ email: 'ＡＤＡ@example.com' }), 'e:ada@example.com');
    assert.equal(identifierSubject({ username: 'Ada' }), 'u:ada');
    assert.equal(identifierSubject({ email: 'a@b.co', username: 'x' }), 'e:a@b.co');
    assert.equal(identifierSubject({ username: '\u0130' }), identifierSubject({ username: 'i\u0307' }));
  });

  it('keys a found account by its id, and lists every key an account may hold', () => {
    assert.equal(accountSubject('u-1'), 'a:u-1');
    assert.deepEqual(subjectsOf({ id: 'u-1', email: 'ada@example.com', username: 'Ada' }), [
      'a:u-1',
      'e:ada@example.com',
      'u:ada',
    ]);
    assert.deepEqual(subjectsOf({ id: 'u-1', email: 'ada@example.com', username: null }), [
      'a:u-1',
      'e:ada@example.com',
    ]);
  });

  it('locks exactly at the threshold', () => {
    const policy = { maxAttempts: 5, durationSeconds: 900 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => locksNow(n, policy)),
      [false, false, false, false, true, false],
    );
  });

  it('rounds Retry-After up, never below 1', () => {
    assert.equal(retryAfterSeconds(1), 1);
    assert.equal(retryAfterSeconds(0), 1);
    assert.equal(retryAfterSeconds(1500), 2);
    assert.equal(retryAfterSeconds(900_000), 900);
  });
});
