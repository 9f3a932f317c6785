import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientTracker } from './throttle.guard.js';

describe('rate-limit client key', () => {
  it('groups IPv6 clients by /64 and keeps IPv4 whole', () => {
    assert.equal(clientTracker('2001:db8:1:2:aaaa::1'), clientTracker('2001:db8:1:2:ffff:1:2:3'));
    assert.notEqual(clientTracker('2001:db8:1:2::1'), clientTracker('2001:db8:1:3::1'));
    assert.equal(clientTracker('203.0.113.7'), '203.0.113.7');
    assert.equal(clientTracker('::ffff:203.0.113.7'), '203.0.113.7');
    assert.notEqual(clientTracker('203.0.113.7'), clientTracker('203.0.113.8'));
  });
});
