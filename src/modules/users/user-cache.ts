import { Inject, Injectable } from '@nestjs/common';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { DurableDelete } from '#src/kv/durable-delete.js';
import { KV_STORE, type KvStore } from '#src/kv/kv-store.js';
import { cacheHits, cacheMisses } from '#src/metrics/metrics.js';
import { SealedUserFields } from './sealed-user-fields.js';
import type { User } from './user.entity.js';

const key = (id: string): string => `user:${id}`;
const NEGATIVE_TTL_SECONDS = 30;
const MISSING = '-';

type Stored = Omit<User, 'passwordHash'>;

/**
 * Cache-aside for user reads (contract §4) in the shared store (Redis; TTL CACHE_TTL_SECONDS).
 * Every write deletes the entry before it answers, so the next read on any pod is fresh.
 * There is deliberately no in-process L1: the guard already makes one Redis round trip
 * per request for the session, and ioredis pipelines this GET into the same round trip,
 * so an L1 would save nothing and would serve a stale role on other pods until its TTL.
 * Concurrent misses for one id share one load (single flight); unknown ids are cached
 * negatively for 30 s; a Redis failure reads through to PostgreSQL. Encrypted fields are
 * cached sealed, as PostgreSQL stores them.
 */
@Injectable()
export class UserCache {
  private readonly inflight = new Map<string, Promise<User | null>>();
  /** Bumped by each invalidation, so a load racing a write never stores the old row. */
  private readonly generation = new Map<string, number>();
  private readonly deletes: DurableDelete;

  constructor(
    @Inject(KV_STORE) private readonly kv: KvStore,
    @InjectConfig() private readonly config: AppConfig,
    private readonly sealed: SealedUserFields,
  ) {
    this.deletes = new DurableDelete(kv);
  }

  async get(id: string, load: (id: string) => Promise<User | null>): Promise<User | null> {
    if (this.deletes.isPending(key(id))) return load(id);
    let raw: string | null = null;
    let redisUp = true;
    try {
      raw = await this.kv.get(key(id));
    } catch {
      redisUp = false;
    }
    if (raw !== null) {
      cacheHits.inc({ cache: 'user' });
      return raw === MISSING ? null : this.sealed.open(revive(JSON.parse(raw) as Stored));
    }
    cacheMisses.inc({ cache: 'user' });
    const pending = this.inflight.get(id);
    if (pending !== undefined) return pending;
    const promise = this.fill(id, load, redisUp).finally(() => this.inflight.delete(id));
    this.inflight.set(id, promise);
    return promise;
  }

  private async fill(id: string, load: (id: string) => Promise<User | null>, redisUp: boolean): Promise<User | null> {
    const gen = this.generation.get(id) ?? 0;
    const user = await load(id);
    if (redisUp && (this.generation.get(id) ?? 0) === gen) {
      const value = user === null ? MISSING : JSON.stringify(this.sealed.seal(strip(user)));
      const ttl = user === null ? NEGATIVE_TTL_SECONDS : this.config.cache.ttlSeconds;
      await this.kv.set(key(id), value, ttl).catch(() => undefined);
    }
    return user;
  }

  /** Drops the user's entry. Awaited by every write before it answers. */
  async invalidate(id: string): Promise<void> {
    this.generation.set(id, (this.generation.get(id) ?? 0) + 1);
    if (this.generation.size > 100_000) this.generation.clear();
    this.inflight.delete(id);
    // When Redis is unreachable the delete is retried until it lands; until then this
    // user is read from PostgreSQL.
    await this.deletes.delete([key(id)]);
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
