import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HELMET_OPTIONS, helmetHeaders } from './security-headers.js';

describe('security headers', () => {
  it("are Helmet's own for our options, computed once", () => {
    const headers = helmetHeaders(HELMET_OPTIONS);
    assert.equal(headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
    assert.equal(headers['x-content-type-options'], 'nosniff');
    assert.equal(headers['x-frame-options'], 'DENY');
    assert.equal(headers['referrer-policy'], 'no-referrer');
    const csp = headers['content-security-policy'] ?? '';
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.equal(helmetHeaders(HELMET_OPTIONS)['content-security-policy'], csp, 'the same on every call');
  });

  it('follow the options they are given', () => {
    const headers = helmetHeaders({ frameguard: { action: 'sameorigin' }, xContentTypeOptions: false });
    assert.equal(headers['x-frame-options'], 'SAMEORIGIN');
    assert.equal(headers['x-content-type-options'], undefined);
  });
});
