import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryKvStore } from './memory-kv-store.js';

describe('memory kv store', () => {
  it('expires keys and counts atomically within a window', async () => {
    let now = 1_000_000;
    const kv = new MemoryKvStore(() => now);
    await kv.set('a', '1', 10);
    assert.equal(await kv.get('a'), '1');
    now += 10_001;
    assert.equal(await kv.get('a'), null);
    assert.deepEqual(await kv.incr('c', 60), { count: 1, ttlMs: 60_000 });
    now += 1000;
    assert.deepEqual(await kv.incr('c', 60), { count: 2, ttlMs: 59_000 });
    now += 60_000;
    assert.equal((await kv.incr('c', 60)).count, 1);
    await kv.close();
  });

  it('sets a key only when absent, again once it expired', async () => {
    let now = 1_000_000;
    const kv = new MemoryKvStore(() => now);
    assert.equal(await kv.setIfAbsent('k', 'a', 5), true);
    assert.equal(await kv.setIfAbsent('k', 'b', 5), false);
    assert.equal(await kv.get('k'), 'a');
    now += 5_001;
    assert.equal(await kv.setIfAbsent('k', 'c', 5), true);
    await kv.close();
  });
});
