import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonShapeViolation, type BodyShapeLimits } from './body-shape.js';

const LIMITS: BodyShapeLimits = { maxKeys: 3, maxValues: 8 };
const wide = (keys: number): string =>
  JSON.stringify(Object.fromEntries(Array.from({ length: keys }, (_, i) => [`k${i}`, i])));

describe('jsonShapeViolation', () => {
  it('accepts bodies within the bounds, counted exactly', () => {
    for (const body of [
      '{}',
      '[]',
      '"text"',
      '12',
      wide(3),
      '{"a":[1,2,3],"b":{"c":"x"}}', // 3 + 3 + 1 + ... = a, b, c keys and 3 items: 6 values
      '{"a":[[],[[]],{}],"b":null}', // a, b and 3 items: 5
      ' { "a" : [ 1 , "2" , { } ] , "b" : "," } ',
    ]) {
      assert.equal(jsonShapeViolation(body, LIMITS), null, body);
    }
  });

  it('does not count colons, commas and brackets inside strings', () => {
    const tricky = JSON.stringify({ a: 'x:y,z{[', b: 'q\\":,,,:', c: ['"', '\\', ':'] });
    assert.equal(jsonShapeViolation(tricky, LIMITS), null);
  });

  it('refuses an object with too many keys, at any depth', () => {
    assert.match(jsonShapeViolation(wide(4), LIMITS) ?? '', /more than 3 keys/);
    assert.match(jsonShapeViolation(`{"a":[${wide(4)}]}`, LIMITS) ?? '', /more than 3 keys/);
  });

  it('refuses too many values in all, array items included', () => {
    assert.match(jsonShapeViolation(JSON.stringify([1, 2, 3, 4, 5, 6, 7, 8, 9]), LIMITS) ?? '', /more than 8 values/);
    const spread = JSON.stringify({ a: { x: 1, y: 2 }, b: { x: 1, y: 2 }, c: { x: 1, y: 2 } }); // 9
    assert.match(jsonShapeViolation(spread, LIMITS) ?? '', /more than 8 values/);
    assert.equal(jsonShapeViolation(JSON.stringify([1, 2, 3, 4, 5, 6, 7, 8]), LIMITS), null);
  });

  it('stops at the first excess: a 70 000-key body costs a scan of a few keys', () => {
    const huge = wide(70_000);
    const started = performance.now();
    for (let i = 0; i < 100; i++) assert.notEqual(jsonShapeViolation(huge, { maxKeys: 64, maxValues: 256 }), null);
    assert.ok(performance.now() - started < 1000, 'a hundred refusals take well under a second');
  });
});
