import { Redis } from 'ioredis';
import type { KvStore } from './kv-store.js';

const INCR_WITH_TTL = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
`;

/**
 * Redis behind the KvStore port. Commands fail fast while Redis is unreachable
 * (no offline queue, one retry) so callers can fall back to PostgreSQL at once;
 * the client reconnects by itself.
 */
export class RedisKvStore implements KvStore {
  readonly kind = 'redis' as const;
  private readonly client: Redis;

  constructor(url: string, keyPrefix = '') {
    this.client = new Redis(url, {
      keyPrefix,
      // Commands issued in the same tick share one round trip (the guard's session and
      // user lookups, for one).
      enableAutoPipelining: true,
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      commandTimeout: 1000,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    this.client.on('error', () => undefined); // state is reported by ping(); errors reach callers
    this.client.defineCommand('incrWithTtl', { numberOfKeys: 1, lua: INCR_WITH_TTL });
  }

  async get(key: string): Promise<string | null> {
    return this.client.get(key);
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.client.set(key, value, 'EX', ttlSeconds);
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    return (await this.client.set(key, value, 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  async del(...keys: string[]): Promise<void> {
    if (keys.length > 0) await this.client.del(...keys);
  }

  async incr(key: string, ttlSeconds: number): Promise<{ count: number; ttlMs: number }> {
    const client = this.client as unknown as { incrWithTtl(key: string, ttlMs: number): Promise<[number, number]> };
    const [count, ttlMs] = await client.incrWithTtl(key, ttlSeconds * 1000);
    return { count, ttlMs };
  }

  async ttlMs(key: string): Promise<number> {
    const ttl = await this.client.pttl(key);
    return ttl < 0 ? -1 : ttl;
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
