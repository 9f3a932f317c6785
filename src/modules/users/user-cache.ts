import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { KV_STORE, type KvStore } from '#src/cache/kv-store.js';
import { cacheHits, cacheMisses } from '#src/metrics/metrics.js';
import type { User } from './user.entity.js';

const key = (id: string): string => `user:${id}`;
const CHANNEL = 'user-cache:invalidate';
const L1_TTL_MS = 2000;
const NEGATIVE_TTL_SECONDS = 30;
const MISSING = '-';

type Stored = Omit<User, 'passwordHash'>;

/**
 * Cache-aside for user reads (DESIGN §8): Redis (TTL CACHE_TTL_SECONDS) behind a 2-second
 * in-process L1. Writes delete the Redis entry and broadcast the id so every pod drops
 * its L1 before the response returns. Concurrent misses share one load (single flight).
 * Unknown ids are cached negatively for 30 s. A Redis failure reads through to PostgreSQL.
 */
@Injectable()
export class UserCache implements OnModuleInit {
  private readonly l1 = new Map<string, { user: User | null; until: number }>();
  private readonly inflight = new Map<string, Promise<User | null>>();
  /** Bumped on each invalidation so a load racing a write never fills a stale value. */
  private readonly generation = new Map<string, number>();

  constructor(
    @Inject(KV_STORE) private readonly kv: KvStore,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.kv.subscribe(CHANNEL, (id) => this.dropLocal(id)).catch(() => undefined);
  }

  async get(id: string, load: (id: string) => Promise<User | null>): Promise<User | null> {
    const local = this.l1.get(id);
    if (local !== undefined && local.until > Date.now()) {
      cacheHits.inc({ cache: 'user_l1' });
      return local.user;
    }
    const pending = this.inflight.get(id);
    if (pending !== undefined) return pending;
    const promise = this.fill(id, load).finally(() => this.inflight.delete(id));
    this.inflight.set(id, promise);
    return promise;
  }

  private async fill(id: string, load: (id: string) => Promise<User | null>): Promise<User | null> {
    const gen = this.generation.get(id) ?? 0;
    let redisUp = true;
    try {
      const raw = await this.kv.get(key(id));
      if (raw !== null) {
        cacheHits.inc({ cache: 'user' });
        const user = raw === MISSING ? null : revive(JSON.parse(raw) as Stored);
        this.setLocal(id, user, gen);
        return user;
      }
    } catch {
      redisUp = false;
    }
    cacheMisses.inc({ cache: 'user' });
    const user = await load(id);
    if ((this.generation.get(id) ?? 0) !== gen) return user;
    this.setLocal(id, user, gen);
    if (redisUp) {
      const value = user === null ? MISSING : JSON.stringify(strip(user));
      const ttl = user === null ? NEGATIVE_TTL_SECONDS : this.config.cache.ttlSeconds;
      await this.kv.set(key(id), value, ttl).catch(() => undefined);
    }
    return user;
  }

  /** Drops the user everywhere. Awaited by every write before it answers. */
  async invalidate(id: string): Promise<void> {
    this.dropLocal(id);
    try {
      await this.kv.del(key(id));
      await this.kv.publish(CHANNEL, id);
    } catch {
      // Redis is down: nothing is cached there that outlives the outage beyond its TTL,
      // and the other pods' L1 entries expire within 2 s.
    }
  }

  private setLocal(id: string, user: User | null, gen: number): void {
    if ((this.generation.get(id) ?? 0) !== gen) return;
    if (this.l1.size > 50_000) this.l1.clear();
    this.l1.set(id, { user, until: Date.now() + L1_TTL_MS });
  }

  private dropLocal(id: string): void {
    this.l1.delete(id);
    this.generation.set(id, (this.generation.get(id) ?? 0) + 1);
    if (this.generation.size > 100_000) this.generation.clear();
  }
}

function strip(user: User): Stored {
  const { passwordHash: _omit, ...rest } = user as User & { passwordHash?: string };
  return rest;
}

function revive(raw: Stored): User {
  return {
    ...raw,
    createdAt: new Date(raw.createdAt),
    updatedAt: new Date(raw.updatedAt),
    lastLoginAt: raw.lastLoginAt === null ? null : new Date(raw.lastLoginAt),
    deletedAt: raw.deletedAt === null ? null : new Date(raw.deletedAt),
  } as User;
}
