import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lockoutSubject, locksNow, retryAfterSeconds } from './lockout.policy.js';

describe('lockout policy', () => {
  it('keys by normalised email, else username', () => {
    assert.equal(lockoutSubject({ email: ' Ada@Example.COM ' }), 'e:ada@example.com');
    assert.equal(lockoutSubject({ username: 'Ada' }), 'u:ada');
    assert.equal(lockoutSubject({ email: 'a@b.co', username: 'x' }), 'e:a@b.co');
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
