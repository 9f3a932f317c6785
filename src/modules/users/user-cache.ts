import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
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
/** Users kept read at most (oldest first out); about 1 KB each. */
const MAX_READ_ENTRIES = 10_000;

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
 *
 * Reading an entry (JSON, dates, the opening of the sealed fields) cost more than the GET
 * itself, so the entry last read for each user is kept read, keyed by the exact string
 * Redis returned: a GET that returns the same string reuses it, any other answer replaces or
 * drops it. The Redis read still happens on every call, so this serves nothing Redis would
 * not; it is dropped on invalidation and after CACHE_TTL_SECONDS without a read, so the
 * opened personal fields stay in memory no longer than their sealed form stays in Redis.
 */
@Injectable()
export class UserCache implements OnModuleDestroy {
  private readonly inflight = new Map<string, Promise<User | null>>();
  /** Bumped by each invalidation, so a load racing a write never stores the old row. */
  private readonly generation = new Map<string, number>();
  private readonly deletes: DurableDelete;
  /** The last entry read per user, as read: the raw string, the user, and when it was last used. */
  private readonly read = new Map<string, { raw: string; user: User; usedAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    @Inject(KV_STORE) private readonly kv: KvStore,
    @InjectConfig() private readonly config: AppConfig,
    private readonly sealed: SealedUserFields,
  ) {
    this.deletes = new DurableDelete(kv);
    const ttlMs = config.cache.ttlSeconds * 1000;
    this.sweeper = setInterval(() => this.sweep(Date.now() - ttlMs), Math.min(ttlMs, 60_000));
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
    this.read.clear();
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
      return raw === MISSING ? this.forget(id) : this.readEntry(id, raw);
    }
    this.read.delete(id);
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

  /** The user of a cached entry: the one read last time when Redis returned the same string. */
  private readEntry(id: string, raw: string): User {
    const now = Date.now();
    const last = this.read.get(id);
    if (last !== undefined && last.raw === raw) {
      last.usedAt = now;
      // A copy: callers may change what they are given.
      return { ...last.user };
    }
    const user = this.sealed.open(revive(JSON.parse(raw) as Stored));
    if (this.read.size >= MAX_READ_ENTRIES) this.read.delete(this.read.keys().next().value as string);
    this.read.set(id, { raw, user, usedAt: now });
    return { ...user };
  }

  private forget(id: string): null {
    this.read.delete(id);
    return null;
  }

  private sweep(unusedSince: number): void {
    for (const [id, entry] of this.read) if (entry.usedAt < unusedSince) this.read.delete(id);
  }

  /** Drops the user's entry. Awaited by every write before it answers. */
  async invalidate(id: string): Promise<void> {
    this.read.delete(id);
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
    // Entries cached before the column existed: no factor was confirmed then.
    mfaEnabled: (raw as Partial<Stored>).mfaEnabled ?? false,
    createdAt: new Date(raw.createdAt),
    updatedAt: new Date(raw.updatedAt),
    lastLoginAt: raw.lastLoginAt === null ? null : new Date(raw.lastLoginAt),
    deletedAt: raw.deletedAt === null ? null : new Date(raw.deletedAt),
  } as User;
}
