import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppException } from '#src/common/errors/app.exception.js';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { KV_STORE, type KvStore } from '#src/kv/kv-store.js';
import { TransactionRunner, type Tx } from '#src/database/transaction.js';
import { lockouts } from '#src/metrics/metrics.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { EventPublisher, userEvent } from '#src/modules/events/event-publisher.js';
import { locksNow, retryAfterSeconds } from './lockout.policy.js';

const failKey = (subject: string): string => `lockout:fails:${subject}`;
const lockKey = (subject: string): string => `lockout:locked:${subject}`;

/**
 * Consecutive failed password checks per subject (an account once found, else the
 * identifier tried: lockout.policy.ts), counted atomically in Redis so every pod agrees.
 * Every route that checks a password (login, both verify-credentials routes, password
 * change, account deletion) counts here. When Redis is down the check is skipped (logged):
 * refusing every login during an outage would be worse, and the per-IP rate limit still applies.
 */
@Injectable()
export class LockoutService {
  private readonly logger = new Logger(LockoutService.name);

  constructor(
    @Inject(KV_STORE) private readonly kv: KvStore,
    private readonly audit: AuditService,
    private readonly events: EventPublisher,
    private readonly transactions: TransactionRunner,
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

  /**
   * Counts a failure of `subject`; the failure that reaches the threshold locks it, and is
   * audited (and, for an account, published as `user.locked`).
   */
  async recordFailure(subject: string, userId: string | null, meta: RequestMeta): Promise<void> {
    const policy = this.config.lockout;
    let count: number;
    try {
      ({ count } = await this.kv.incr(failKey(subject), policy.durationSeconds));
      if (!locksNow(count, policy)) return;
      await this.kv.set(lockKey(subject), '1', policy.durationSeconds);
      await this.kv.del(failKey(subject));
    } catch (error) {
      this.logger.warn({ err: error }, 'lockout count skipped: store unavailable');
      return;
    }
    lockouts.inc();
    await this.onLocked(
      userId,
      { lockedUntil: new Date(Date.now() + policy.durationSeconds * 1000), failures: count },
      meta,
    );
  }

  /** Forgets the failures of the given subjects (a good password, an unlock, a reset). */
  async clear(...subjects: string[]): Promise<void> {
    const keys = subjects.flatMap((s) => [failKey(s), lockKey(s)]);
    await this.kv.del(...keys).catch(() => undefined);
  }

  private async onLocked(
    userId: string | null,
    locked: { lockedUntil: Date; failures: number },
    meta: RequestMeta,
  ): Promise<void> {
    const work = async (tx: Tx): Promise<void> => {
      await this.audit.record(tx, 'security.lockout', {
        targetUserId: userId,
        details: { failures: locked.failures, locked_until: locked.lockedUntil.toISOString() },
        meta,
      });
      if (userId !== null) {
        await this.events.record(
          tx,
          userEvent('user.locked', userId, {
            user_id: userId,
            locked_until: locked.lockedUntil.toISOString(),
            failed_attempts: locked.failures,
          }),
        );
      }
    };
    await (userId === null ? this.transactions.run(work) : this.transactions.runForUser(userId, work));
  }
}
