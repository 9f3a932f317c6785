import type { ThrottlerStorage } from '@nestjs/throttler';
import type { KvStore } from '#src/kv/kv-store.js';
import { MemoryKvStore } from '#src/kv/memory-kv-store.js';

interface ThrottlerStorageRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

/**
 * Fixed-window counters in the shared store, so limits hold across pods. While Redis is
 * unreachable each pod counts alone in memory rather than failing requests.
 */
export class KvThrottlerStorage implements ThrottlerStorage {
  private readonly fallback = new MemoryKvStore();

  constructor(private readonly kv: KvStore) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const ttlSeconds = Math.max(1, Math.ceil(ttl / 1000));
    const { count, ttlMs } = await this.kv
      .incr(`throttle:${key}`, ttlSeconds)
      .catch(() => this.fallback.incr(`throttle:${key}`, ttlSeconds));
    const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
    const blocked = count > limit;
    return { totalHits: count, timeToExpire: seconds, isBlocked: blocked, timeToBlockExpire: blocked ? seconds : 0 };
  }
}
