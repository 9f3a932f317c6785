import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { KV_STORE, type KvStore } from '#src/kv/kv-store.js';
import { AppException } from '#src/common/errors/app.exception.js';
import type { UserPrincipal } from '#src/common/auth/principal.js';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { TransactionRunner } from '#src/database/transaction.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { EventPublisher, userEvent } from '#src/modules/events/event-publisher.js';
import { MailService } from '#src/modules/mail/mail.service.js';
import { SessionsService } from '#src/modules/sessions/sessions.service.js';
import { hashToken, newOpaqueToken } from '#src/modules/sessions/token-hash.js';
import { PasswordHasher } from '#src/modules/auth/passwords/password-hasher.service.js';
import { PasswordPolicyService } from '#src/modules/auth/passwords/password-policy.service.js';
import { AccountsService } from '#src/modules/users/accounts.service.js';
import { subjectsOf } from '#src/modules/lockout/lockout.policy.js';
import { LockoutService } from '#src/modules/lockout/lockout.service.js';
import { OneTimeTokensRepository } from './one-time-tokens.repository.js';
import { PasswordHistoryService } from './password-history/password-history.service.js';
import { RESET_LINKS, resetLinkRefusal } from './reset-link.policy.js';

const resetWindowKey = (userId: string): string => `reset-links:${userId}`;

/**
 * Forgot-password requests answered but not yet worked on, per pod. The answer no longer
 * waits for the work, so a flood from many addresses would otherwise queue without bound
 * (the per-IP limit is per address); past this, requests are dropped and logged.
 */
const MAX_FORGOT_IN_FLIGHT = 1000;

/** Password change, and forgot/reset with mailed one-time links. */
@Injectable()
export class PasswordService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(PasswordService.name);
  /** Forgot-password requests answered but still being worked on. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly accounts: AccountsService,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicyService,
    private readonly history: PasswordHistoryService,
    private readonly sessions: SessionsService,
    private readonly oneTimeTokens: OneTimeTokensRepository,
    private readonly lockout: LockoutService,
    private readonly mail: MailService,
    private readonly events: EventPublisher,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    @Inject(KV_STORE) private readonly kv: KvStore,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Lets answered forgot-password requests finish before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /** Ends the user's other sessions; this one stays. */
  async change(
    principal: UserPrincipal,
    currentPassword: string,
    newPassword: string,
    meta: RequestMeta,
  ): Promise<void> {
    await this.accounts.assertPassword(principal.userId, currentPassword, meta);
    this.policy.assert(newPassword);
    await this.history.assertNotReused(principal.userId, newPassword, { password: currentPassword });
    const hash = await this.hasher.hash(newPassword);
    const revoked = await this.transactions.runForUser(principal.userId, async (tx) => {
      const replaced = await this.accounts.setPasswordHash(tx, principal.userId, hash);
      await this.history.remember(tx, principal.userId, replaced);
      const ids = await this.sessions.revokeAllForUser(tx, principal.userId, 'password_changed', principal.sessionId);
      if (ids.length > 0) await this.sessions.recordLogout(tx, principal.userId, ids, 'password_changed');
      await this.events.record(
        tx,
        userEvent('user.password_changed', principal.userId, { user_id: principal.userId, reason: 'change' }),
      );
      return ids;
    });
    await this.accounts.afterWrite(principal.userId, revoked);
  }

  /**
   * Always 202 at once: the lookup, the token and the mail happen after the answer, so
   * known and unknown addresses take the same time and nothing is revealed. Errors are
   * logged, never sent to the client.
   */
  forgot(email: string): void {
    if (this.inFlight.size >= MAX_FORGOT_IN_FLIGHT) {
      this.logger.warn({ in_flight: this.inFlight.size }, 'password reset request dropped: too many in flight');
      return;
    }
    const job = this.mailResetLink(email).catch((error: unknown) =>
      this.logger.error({ err: error }, 'password reset request failed'),
    );
    this.inFlight.add(job);
    void job.finally(() => this.inFlight.delete(job));
  }

  private async mailResetLink(email: string): Promise<void> {
    const user = await this.accounts.findByEmail(email);
    if (user === null || !user.isActive || user.deletedAt !== null) return;
    const token = await this.issueResetLink(user.id);
    if (token === null) return;
    this.mail.sendInBackground({
      to: user.email,
      subject: 'Reset your password',
      text: `Someone asked to reset the password of this account. The link works once, for 30 minutes:\n\n${this.config.http.publicUrl}/reset-password?token=${token}\n\nIf it was not you, ignore this mail.`,
    });
  }

  /**
   * A new reset token, or null past the account's bounds (reset-link.policy.ts). Older
   * links stay valid: whoever asks, the links go to the owner's mailbox, and a stranger's
   * request must not cancel the one the owner is using. Under the user's lock, so two
   * requests cannot both take the last live slot.
   */
  private issueResetLink(userId: string): Promise<string | null> {
    return this.transactions.runForUser(userId, async (tx) => {
      const live = await this.oneTimeTokens.countLive(tx, userId, 'password_reset');
      const issued = live >= RESET_LINKS.maxLive ? null : await this.countResetWindow(userId);
      const refusal = resetLinkRefusal(live, issued);
      if (refusal !== null) {
        this.logger.log({ user_id: userId, reason: refusal }, 'password reset link not sent');
        return null;
      }
      const token = newOpaqueToken();
      await this.oneTimeTokens.insert(tx, {
        userId,
        purpose: 'password_reset',
        tokenHash: hashToken(token),
        expiresAt: new Date(Date.now() + RESET_LINKS.ttlMs),
      });
      return token;
    });
  }

  /** Counts this link in the account's hourly window (shared by every pod); null when the store is down. */
  private async countResetWindow(userId: string): Promise<number | null> {
    try {
      return (await this.kv.incr(resetWindowKey(userId), RESET_LINKS.windowSeconds)).count;
    } catch (error) {
      this.logger.warn({ err: error }, 'shared store unreachable: reset links bounded by the live count only');
      return null;
    }
  }

  /**
   * Works while the email is locked, clears the lock, and ends every session. The token
   * is checked before the new password is hashed, so a bad token costs no hash; a
   * successful reset voids the account's other reset links.
   */
  async reset(token: string, newPassword: string, meta: RequestMeta): Promise<void> {
    this.policy.assert(newPassword);
    const tokenHash = hashToken(token);
    const owner = await this.oneTimeTokens.liveOwnerOf(tokenHash, 'password_reset');
    if (owner === null) throw new AppException('USER_1007');
    await this.history.assertNotReused(owner, newPassword, { hash: await this.accounts.passwordHashOf(owner) });
    const hash = await this.hasher.hash(newPassword);
    const result = await this.transactions.runForUser(owner, async (tx) => {
      const consumed = await this.oneTimeTokens.consume(tx, tokenHash, 'password_reset');
      if (consumed === null) throw new AppException('USER_1007');
      const { userId } = consumed;
      await this.oneTimeTokens.invalidateAll(tx, userId, 'password_reset');
      const replaced = await this.accounts.setPasswordHash(tx, userId, hash);
      await this.history.remember(tx, userId, replaced);
      const ids = await this.sessions.revokeAllForUser(tx, userId, 'password_reset');
      if (ids.length > 0) await this.sessions.recordLogout(tx, userId, ids, 'password_reset');
      await this.events.record(tx, userEvent('user.password_changed', userId, { user_id: userId, reason: 'reset' }));
      await this.audit.record(tx, 'security.password_reset', { targetUserId: userId, meta });
      return { userId, ids };
    });
    const user = await this.accounts.findOrNull(result.userId);
    if (user !== null) {
      await this.lockout.clear(...subjectsOf(user));
    }
    await this.accounts.afterWrite(result.userId, result.ids);
  }
}
