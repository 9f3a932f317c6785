import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { AppConfig } from '#src/config/app-config.js';
import { MemoryKvStore } from '#src/kv/memory-kv-store.js';
import type { SealedUserFields } from './sealed-user-fields.js';
import { UserCache } from './user-cache.js';
import { User } from './user.entity.js';

/** Sealing as a visible marker, counting the openings (the AES-GCM work the cache saves). */
class CountingSeal {
  opened = 0;
  seal<T extends Partial<User>>(u: T): T {
    return { ...u, ...(u.phone ? { phone: `sealed:${u.phone}` } : {}) };
  }
  open<T extends Partial<User>>(u: T): T {
    this.opened++;
    if (typeof u.phone === 'string') u.phone = u.phone.replace(/^sealed:/, '');
    return u;
  }
}

const userRow = (id: string, name: string): User =>
  Object.assign(new User(), {
    id,
    email: `${id}@example.com`,
    username: null,
    name,
    phone: '+15550100',
    passwordHash: 'hash',
    role: 'user',
    isActive: true,
    isVerified: true,
    mfaEnabled: false,
    businessType: null,
    businessNumber: null,
    industry: null,
    region: null,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-02T00:00:00Z'),
    lastLoginAt: null,
    deletedAt: null,
  });

describe('UserCache: the entry last read is reused while Redis returns the same string', () => {
  let kv: MemoryKvStore;
  let seal: CountingSeal;
  let cache: UserCache;
  let loads: number;
  let stored: User;
  const load = (): Promise<User | null> => {
    loads++;
    return Promise.resolve(userRow(stored.id, stored.name));
  };

  beforeEach(() => {
    kv = new MemoryKvStore();
    seal = new CountingSeal();
    cache = new UserCache(kv, { cache: { ttlSeconds: 60 } } as AppConfig, seal as unknown as SealedUserFields);
    loads = 0;
    stored = userRow('u1', 'First');
  });
  afterEach(async () => {
    cache.onModuleDestroy();
    await kv.close();
  });

  it('opens a cached entry once, then hands out copies of it until the cached string changes', async () => {
    assert.equal((await cache.get('u1', load))?.name, 'First');
    assert.equal(loads, 1);
    const first = await cache.get('u1', load);
    const openedAfterFirstHit = seal.opened;
    const second = await cache.get('u1', load);
    assert.equal(seal.opened, openedAfterFirstHit, 'the same string is not read again');
    assert.deepEqual(second, first);
    assert.equal(second?.phone, '+15550100', 'the sealed field is opened');
    assert.ok(second?.createdAt instanceof Date);
    assert.notEqual(second, first, 'each caller gets its own copy');
    second.name = 'changed by a caller';
    assert.equal((await cache.get('u1', load))?.name, 'First', "a caller's change does not reach the next read");

    // Another pod changed the user: the cached string differs, the entry is read again.
    stored = userRow('u1', 'Second');
    await kv.del('user:u1');
    assert.equal((await cache.get('u1', load))?.name, 'Second');
    assert.equal((await cache.get('u1', load))?.name, 'Second');
  });

  it('drops what it kept on invalidation and when the cached entry is gone', async () => {
    await cache.get('u1', load);
    await cache.get('u1', load);
    stored = userRow('u1', 'After write');
    await cache.invalidate('u1');
    assert.equal((await cache.get('u1', load))?.name, 'After write');
    assert.equal(loads, 2);
    // Negative entry (the user is gone): null, never the kept user.
    await kv.set('user:u1', '-', 30);
    assert.equal(await cache.get('u1', load), null);
  });
});
