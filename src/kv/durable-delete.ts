import type { KvStore } from './kv-store.js';

/**
 * Deletes keys that must not survive an outage: a revoked session's key, a changed user's
 * cache entry. When Redis is unreachable the keys are remembered and the delete retried
 * every second until it lands, since Redis may come back with its data (a partition
 * rather than a restart). Callers treat a pending key as gone.
 */
export class DurableDelete {
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly kv: KvStore) {}

  /** Resolves false when the delete was deferred. */
  async delete(keys: string[]): Promise<boolean> {
    if (keys.length === 0) return true;
    try {
      await this.kv.del(...keys);
      return true;
    } catch {
      for (const k of keys) this.pending.add(k);
      this.schedule();
      return false;
    }
  }

  isPending(key: string): boolean {
    return this.pending.has(key);
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const keys = [...this.pending];
      this.kv
        .del(...keys)
        .then(() => keys.forEach((k) => this.pending.delete(k)))
        .catch(() => this.schedule());
    }, 1000);
    this.timer.unref();
  }
}
