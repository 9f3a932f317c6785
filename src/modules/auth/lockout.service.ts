import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppException } from '#src/common/errors/app.exception.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { KV_STORE, type KvStore } from '#src/cache/kv-store.js';
import { locksNow, retryAfterSeconds } from './lockout.policy.js';

const failKey = (subject: string): string => `lockout:fails:${subject}`;
const lockKey = (subject: string): string => `lockout:locked:${subject}`;

/**
 * Consecutive failed logins per subject, counted atomically in Redis so every pod agrees.
 * Subjects without an account lock the same way. When Redis is down the check is
 * skipped (logged): refusing every login during an outage would be worse, and the
 * per-IP rate limit still applies.
 */
@Injectable()
export class LockoutService {
  private readonly logger = new Logger(LockoutService.name);

  constructor(
    @Inject(KV_STORE) private readonly kv: KvStore,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Throws USER_1003 with Retry-After while the subject is locked. */
  async assertNotLocked(subject: string): Promise<void> {
    let ttl: number;
    try {
      ttl = await this.kv.ttlMs(lockKey(subject));
    } catch (error) {
      this.logger.warn({ err: error }, 'lockout check skipped: store unavailable');
      return;
    }
    if (ttl > 0) {
      const seconds = retryAfterSeconds(ttl);
      throw new AppException(
        'USER_1003',
        undefined,
        { retry_after_seconds: seconds },
        { 'Retry-After': String(seconds) },
      );
    }
  }

  /** Counts a failure; returns the lock's end when this failure locked the subject. */
  async recordFailure(subject: string): Promise<{ lockedUntil: Date; failures: number } | null> {
    const policy = this.config.lockout;
    try {
      const { count } = await this.kv.incr(failKey(subject), policy.durationSeconds);
      if (!locksNow(count, policy)) return null;
      await this.kv.set(lockKey(subject), '1', policy.durationSeconds);
      await this.kv.del(failKey(subject));
      return { lockedUntil: new Date(Date.now() + policy.durationSeconds * 1000), failures: count };
    } catch (error) {
      this.logger.warn({ err: error }, 'lockout count skipped: store unavailable');
      return null;
    }
  }

  async clear(subject: string): Promise<void> {
    await this.kv.del(failKey(subject), lockKey(subject)).catch(() => undefined);
  }
}
