import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientIp, trustProxyOption } from './client-ip.js';

const request = (ip: string, remoteAddress = '10.0.0.9') =>
  ({ ip, socket: { remoteAddress } }) as unknown as Parameters<typeof clientIp>[0];

describe('client IP', () => {
  it('spells a hop count out as a function of the hop, and keeps lists and false', () => {
    const option = trustProxyOption(2);
    assert.equal(typeof option, 'function');
    const trust = option as (address: string, hop: number) => boolean;
    assert.equal(trust('10.0.0.1', 0), true);
    assert.equal(trust('10.0.0.2', 1), true);
    assert.equal(trust('203.0.113.7', 2), false);
    assert.equal(trustProxyOption(false), false);
    assert.deepEqual(trustProxyOption(['10.0.0.0/8']), ['10.0.0.0/8']);
  });

  it('takes the forwarded address only when it is an IP', () => {
    assert.equal(clientIp(request('203.0.113.7')), '203.0.113.7');
    assert.equal(clientIp(request('2001:db8::1')), '2001:db8::1');
    for (const bad of ['garbage', 'unknown', '_hidden', '999.1.1.1', '', 'a'.repeat(100)]) {
      assert.equal(clientIp(request(bad)), '10.0.0.9', bad);
    }
  });
});
