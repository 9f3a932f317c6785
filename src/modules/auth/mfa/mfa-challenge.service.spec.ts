import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryKvStore } from '#src/kv/memory-kv-store.js';
import { MfaChallengeService } from './mfa-challenge.service.js';

describe('mfa_token', () => {
  it('lives five minutes, works for one success, and unknown shapes are not looked up', async () => {
    let now = 1_000_000;
    const kv = new MemoryKvStore(() => now);
    const challenges = new MfaChallengeService(kv);
    const challenge = { userId: 'u1', passwordFingerprint: 'fp' };

    const token = await challenges.issue(challenge);
    assert.match(token, /^[\w-]{43}$/);
    assert.deepEqual(await challenges.find(token), challenge);
    assert.equal(await challenges.spend(token), true);
    assert.equal(await challenges.find(token), null, 'spent');
    assert.equal(await challenges.spend(token), false);

    const late = await challenges.issue(challenge);
    now += 299_000;
    assert.deepEqual(await challenges.find(late), challenge);
    now += 1_001;
    assert.equal(await challenges.find(late), null, 'expired after 300 s');

    assert.equal(await challenges.find('not a token'), null);
    assert.equal(await challenges.find('A'.repeat(43)), null);
    await kv.close();
  });
});
