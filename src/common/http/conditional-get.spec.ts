import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { etagOf, ifNoneMatchHits } from './conditional-get.js';

describe('conditional GET', () => {
  const tag = etagOf({ keys: [{ kid: 'a' }] });

  it('gives a quoted strong tag that depends only on the body', () => {
    assert.match(tag, /^"[A-Za-z0-9_-]{32}"$/);
    assert.equal(etagOf({ keys: [{ kid: 'a' }] }), tag);
    assert.notEqual(etagOf({ keys: [{ kid: 'b' }] }), tag);
  });

  it('matches the tag, a list holding it, its weak form and *; nothing else', () => {
    assert.equal(ifNoneMatchHits(tag, tag), true);
    assert.equal(ifNoneMatchHits(`"other", ${tag}`, tag), true);
    assert.equal(ifNoneMatchHits(`W/${tag}`, tag), true);
    assert.equal(ifNoneMatchHits('*', tag), true);
    assert.equal(ifNoneMatchHits(undefined, tag), false);
    assert.equal(ifNoneMatchHits('"other"', tag), false);
    assert.equal(ifNoneMatchHits(tag.slice(1, -1), tag), false);
    assert.equal(ifNoneMatchHits('', tag), false);
  });
});
