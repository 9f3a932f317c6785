import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capFieldErrors, MAX_LISTED_ERRORS } from './validation.pipe.js';

const errors = (n: number) => Array.from({ length: n }, (_, i) => ({ field: `f${i}`, errors: ['bad'] }));

describe('capFieldErrors', () => {
  it('lists up to five errors as they are', () => {
    assert.equal(MAX_LISTED_ERRORS, 5);
    assert.deepEqual(capFieldErrors(errors(5)), errors(5));
    assert.deepEqual(capFieldErrors([]), []);
  });

  it('lists five and counts the rest', () => {
    const capped = capFieldErrors(errors(40_000));
    assert.equal(capped.length, 6);
    assert.deepEqual(capped.slice(0, 5), errors(5));
    assert.deepEqual(capped[5], { field: '(more)', errors: ['…and 39995 more'] });
  });
});
