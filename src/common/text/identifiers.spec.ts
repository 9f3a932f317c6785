import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalIdentifier, canonicalPassword, canonicalUsername } from './identifiers.js';

describe('canonical identifiers', () => {
  it('folds case, width and composition one way', () => {
    assert.equal(canonicalIdentifier(' Ada@Example.COM '), 'ada@example.com');
    assert.equal(canonicalIdentifier('ＡＤＡ@example.com'), 'ada@example.com'); // fullwidth
    assert.equal(canonicalIdentifier('Jose\u0301@example.com'), 'jos\u00e9@example.com'); // decomposed é
    assert.equal(canonicalIdentifier('JOS\u00c9@example.com'), 'jos\u00e9@example.com');
  });

  it('gives U+0130 one form whichever way it is typed', () => {
    const forms = ['\u0130@example.com', 'i\u0307@example.com', 'I\u0307@example.com'];
    assert.deepEqual(new Set(forms.map(canonicalIdentifier)).size, 1);
  });

  it('refuses usernames no sign-up can create', () => {
    assert.equal(canonicalUsername(' Ada '), 'ada');
    assert.equal(canonicalUsername('ａｄａ'), 'ada');
    assert.equal(canonicalUsername('ad\u0130n'), null);
    assert.equal(canonicalUsername('x'), null);
  });

  it('normalises passwords with NFKC', () => {
    assert.equal(canonicalPassword('\ufb01sh-Pa\u0301ss'), 'fish-P\u00e1ss');
    assert.equal(canonicalPassword('plain-ascii'), 'plain-ascii');
  });
});
