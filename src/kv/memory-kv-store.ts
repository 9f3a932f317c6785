import type { KvStore } from './kv-store.js';

interface Entry {
  value: string;
  expiresAt: number;
}

/** Embedded mode: one process, one map. Expired keys are dropped on read and by a sweep. */
export class MemoryKvStore implements KvStore {
  readonly kind = 'memory' as const;
  private readonly map = new Map<string, Entry>();
  private readonly sweep: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweep = setInterval(() => this.dropExpired(), 60_000).unref();
  }

  private live(key: string): Entry | undefined {
    const entry = this.map.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    return entry;
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [key, entry] of this.map) if (entry.expiresAt <= now) this.map.delete(key);
  }

  get(key: string): Promise<string | null> {
    return Promise.resolve(this.live(key)?.value ?? null);
  }

  set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.map.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
    return Promise.resolve();
  }

  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    if (this.live(key) !== undefined) return Promise.resolve(false);
    this.map.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
    return Promise.resolve(true);
  }

  del(...keys: string[]): Promise<void> {
    for (const key of keys) this.map.delete(key);
    return Promise.resolve();
  }

  incr(key: string, ttlSeconds: number): Promise<{ count: number; ttlMs: number }> {
    const entry = this.live(key);
    if (entry === undefined) {
      this.map.set(key, { value: '1', expiresAt: this.now() + ttlSeconds * 1000 });
      return Promise.resolve({ count: 1, ttlMs: ttlSeconds * 1000 });
    }
    entry.value = String(Number(entry.value) + 1);
    return Promise.resolve({ count: Number(entry.value), ttlMs: entry.expiresAt - this.now() });
  }

  ttlMs(key: string): Promise<number> {
    const entry = this.live(key);
    return Promise.resolve(entry === undefined ? -1 : entry.expiresAt - this.now());
  }

  ping(): Promise<boolean> {
    return Promise.resolve(true);
  }

  close(): Promise<void> {
    clearInterval(this.sweep);
    return Promise.resolve();
  }
}
