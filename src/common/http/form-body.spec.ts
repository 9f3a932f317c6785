import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppException } from '../errors/app.exception.js';
import { parseForm } from './form-body.js';

describe('parseForm', () => {
  it('reads a form into strings, percent- and plus-decoded', () => {
    assert.deepEqual(parseForm('a=1&b=x+y&c=%3Cscript%3E&d='), { a: '1', b: 'x y', c: '<script>', d: '' });
  });

  it('keeps __proto__ a plain field, never a prototype', () => {
    const form = parseForm('__proto__=x&constructor=y');
    assert.equal(Object.getPrototypeOf(form), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(form, '__proto__')?.value, 'x');
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });

  it('refuses a repeated field and too many fields with COMMON_1000', () => {
    for (const text of ['a=1&a=2', Array.from({ length: 40 }, (_, i) => `f${i}=1`).join('&')]) {
      assert.throws(
        () => parseForm(text),
        (e: unknown) => e instanceof AppException && e.code === 'COMMON_1000',
      );
    }
  });
});
