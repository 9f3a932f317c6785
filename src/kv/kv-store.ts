/**
 * The shared key-value port: Redis in production, an in-process map in embedded mode.
 * Sessions, lockout counters, rate limits and the user cache live behind it so every
 * instance agrees. Every method may throw when Redis is down; callers degrade.
 */
export interface KvStore {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Sets the key only when it is absent (SET NX EX); true when this call set it. */
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  del(...keys: string[]): Promise<void>;
  /** Atomically increments and (on first hit) sets the TTL; returns the new count and the TTL left in ms. */
  incr(key: string, ttlSeconds: number): Promise<{ count: number; ttlMs: number }>;
  /** TTL left in ms, or -1 when the key has none / is absent. */
  ttlMs(key: string): Promise<number>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export const KV_STORE = Symbol('KV_STORE');
