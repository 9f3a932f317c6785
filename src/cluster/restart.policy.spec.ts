import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { restartDelayMs } from './restart.policy.js';

describe('worker restart backoff', () => {
  it('replaces a lone crash quickly and doubles while workers keep dying young', () => {
    assert.equal(restartDelayMs(1), 500);
    assert.equal(restartDelayMs(2), 1000);
    assert.equal(restartDelayMs(3), 2000);
  });

  it('never waits longer than 30 s, whatever the count', () => {
    assert.equal(restartDelayMs(7), 30_000);
    assert.equal(restartDelayMs(1000), 30_000);
    assert.equal(restartDelayMs(0), 500);
  });
});
