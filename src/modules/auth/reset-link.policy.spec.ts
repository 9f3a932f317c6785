import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RESET_LINKS, resetLinkRefusal } from './reset-link.policy.js';

describe('reset link policy', () => {
  it('issues while the account holds fewer than maxLive links and the window is not spent', () => {
    assert.equal(resetLinkRefusal(0, 1), null);
    assert.equal(resetLinkRefusal(RESET_LINKS.maxLive - 1, RESET_LINKS.maxPerHour), null);
  });

  it('refuses past maxLive live links, whatever the window says', () => {
    assert.equal(resetLinkRefusal(RESET_LINKS.maxLive, 1), 'too_many_live');
    assert.equal(resetLinkRefusal(RESET_LINKS.maxLive, null), 'too_many_live');
  });

  it('refuses past maxPerHour issued in the window', () => {
    assert.equal(resetLinkRefusal(0, RESET_LINKS.maxPerHour + 1), 'hourly_limit');
  });

  it('keeps the live bound alone when the shared store could not count', () => {
    assert.equal(resetLinkRefusal(0, null), null);
  });
});
