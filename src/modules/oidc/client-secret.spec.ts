import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientSecretMatches, newClientSecret } from './client-secret.js';

describe('client secrets', () => {
  it('generates 256-bit secrets, kept as their SHA-256, and matches only the exact secret', () => {
    const { secret, hash } = newClientSecret();
    assert.equal(Buffer.from(secret, 'base64url').length, 32);
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.ok(!hash.includes(secret));
    assert.equal(clientSecretMatches(hash, secret), true);
    assert.equal(clientSecretMatches(hash, `${secret}x`), false);
    assert.equal(clientSecretMatches(hash, hash), false, 'the stored hash is not a credential');
    assert.equal(clientSecretMatches(hash, ''), false);
    assert.notEqual(newClientSecret().secret, secret);
  });
});
