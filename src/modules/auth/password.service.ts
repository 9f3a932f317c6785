import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { KV_STORE, type KvStore } from '#src/kv/kv-store.js';
import { AppException } from '#src/common/errors/app.exception.js';
import type { UserPrincipal } from '#src/common/auth/principal.js';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { TransactionRunner, type Tx } from '#src/database/transaction.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { EventPublisher, userEvent } from '#src/modules/events/event-publisher.js';
import { MailService } from '#src/modules/mail/mail.service.js';
import { SessionsService } from '#src/modules/sessions/sessions.service.js';
import { hashToken, newOpaqueToken } from '#src/modules/sessions/token-hash.js';
import {
  type EmailChange,
  type EmailChangeListener,
  EmailChangeNotifier,
} from '#src/modules/users/email-change.notifier.js';
import { PasswordHasher } from '#src/modules/users/password-hasher.service.js';
import { type PersonalDataContributor, PersonalDataRegistry } from '#src/modules/users/personal-data.registry.js';
import type { User } from '#src/modules/users/user.entity.js';
import { UsersService } from '#src/modules/users/users.service.js';
import { subjectsOf } from '#src/modules/lockout/lockout.policy.js';
import { LockoutService } from '#src/modules/lockout/lockout.service.js';
import { OneTimeTokensRepository } from './one-time-tokens.repository.js';
import { RESET_LINKS, resetLinkRefusal } from './reset-link.policy.js';

const VERIFY_TTL_MS = 24 * 60 * 60 * 1000;

const resetWindowKey = (userId: string): string => `reset-links:${userId}`;

/**
 * Forgot-password requests answered but not yet worked on, per pod. The answer no longer
 * waits for the work, so a flood from many addresses would otherwise queue without bound
 * (the per-IP limit is per address); past this, requests are dropped and logged.
 */
const MAX_FORGOT_IN_FLIGHT = 1000;

/**
 * Password change, forgot/reset, and email verification. One-time tokens are personal
 * data of the user (the verification ones name an address): erasure deletes them.
 */
@Injectable()
export class PasswordService
  implements OnModuleInit, BeforeApplicationShutdown, PersonalDataContributor, EmailChangeListener
{
  private readonly logger = new Logger(PasswordService.name);
  /** Forgot-password requests answered but still being worked on. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly oneTimeTokens: OneTimeTokensRepository,
    private readonly lockout: LockoutService,
    private readonly mail: MailService,
    private readonly events: EventPublisher,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly personalData: PersonalDataRegistry,
    private readonly emailChanges: EmailChangeNotifier,
    @Inject(KV_STORE) private readonly kv: KvStore,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.personalData.register(this);
    this.emailChanges.register(this);
  }

  /** Lets answered forgot-password requests finish before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  exportFor(): Promise<Record<string, never>> {
    // Tokens are hashes of secrets: nothing in them is for the export.
    return Promise.resolve({});
  }

  eraseFor(tx: Tx, userId: string): Promise<void> {
    return this.oneTimeTokens.deleteAllForUser(userId, tx);
  }

  /** Ends the user's other sessions; this one stays. */
  async change(
    principal: UserPrincipal,
    currentPassword: string,
    newPassword: string,
    meta: RequestMeta,
  ): Promise<void> {
    await this.users.assertPassword(principal.userId, currentPassword, meta);
    this.users.assertPasswordPolicy(newPassword);
    const hash = await this.hasher.hash(newPassword);
    const revoked = await this.transactions.runForUser(principal.userId, async (tx) => {
      await this.users.setPasswordHash(tx, principal.userId, hash);
      const ids = await this.sessions.revokeAllForUser(principal.userId, 'password_changed', tx, principal.sessionId);
      if (ids.length > 0) await this.users.recordLogout(tx, principal.userId, ids, 'password_changed');
      await this.events.record(
        tx,
        userEvent('user.password_changed', principal.userId, { user_id: principal.userId, reason: 'change' }),
      );
      return ids;
    });
    await this.users.afterWrite(principal.userId, revoked);
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
    const user = await this.users.findByEmail(email);
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
      const live = await this.oneTimeTokens.countLive(userId, 'password_reset', tx);
      const issued = live >= RESET_LINKS.maxLive ? null : await this.countResetWindow(userId);
      const refusal = resetLinkRefusal(live, issued);
      if (refusal !== null) {
        this.logger.log({ user_id: userId, reason: refusal }, 'password reset link not sent');
        return null;
      }
      const token = newOpaqueToken();
      await this.oneTimeTokens.insert(
        {
          userId,
          purpose: 'password_reset',
          tokenHash: hashToken(token),
          expiresAt: new Date(Date.now() + RESET_LINKS.ttlMs),
        },
        tx,
      );
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
    this.users.assertPasswordPolicy(newPassword);
    const tokenHash = hashToken(token);
    const owner = await this.oneTimeTokens.liveOwnerOf(tokenHash, 'password_reset');
    if (owner === null) throw new AppException('USER_1007');
    const hash = await this.hasher.hash(newPassword);
    const result = await this.transactions.runForUser(owner, async (tx) => {
      const consumed = await this.oneTimeTokens.consume(tokenHash, 'password_reset', tx);
      if (consumed === null) throw new AppException('USER_1007');
      const { userId } = consumed;
      await this.oneTimeTokens.invalidateAll(userId, 'password_reset', tx);
      await this.users.setPasswordHash(tx, userId, hash);
      const ids = await this.sessions.revokeAllForUser(userId, 'password_reset', tx);
      if (ids.length > 0) await this.users.recordLogout(tx, userId, ids, 'password_reset');
      await this.events.record(tx, userEvent('user.password_changed', userId, { user_id: userId, reason: 'reset' }));
      await this.audit.record('security.password_reset', { targetUserId: userId, meta }, tx);
      return { userId, ids };
    });
    const user = await this.users.findActiveOrNull(result.userId);
    if (user !== null) {
      await this.lockout.clear(...subjectsOf(user));
    }
    await this.users.afterWrite(result.userId, result.ids);
  }

  async sendVerification(principal: UserPrincipal): Promise<void> {
    const user = await this.users.findActiveOrNull(principal.userId);
    if (user !== null) await this.sendVerificationTo(user);
  }

  /**
   * Mails a fresh verification link to the user's current address (older links stop
   * working); nothing for verified users. The token records that address and verifies
   * nothing else.
   */
  async sendVerificationTo(user: Pick<User, 'id' | 'email' | 'isVerified'>): Promise<void> {
    if (user.isVerified) return;
    const token = newOpaqueToken();
    await this.transactions.run(async (tx) => {
      await this.oneTimeTokens.invalidateAll(user.id, 'email_verification', tx);
      await this.oneTimeTokens.insert(
        {
          userId: user.id,
          purpose: 'email_verification',
          tokenHash: hashToken(token),
          expiresAt: new Date(Date.now() + VERIFY_TTL_MS),
          email: user.email,
        },
        tx,
      );
    });
    this.mail.sendInBackground({
      to: user.email,
      subject: 'Verify your email',
      text: `Confirm this address by opening the link (valid for 24 hours):\n\n${this.config.http.publicUrl}/verify-email?token=${token}\n`,
    });
  }

  /** Verifies the address the link was mailed to, and only while it is still the account's address. */
  async verifyEmail(token: string): Promise<void> {
    const tokenHash = hashToken(token);
    const owner = await this.oneTimeTokens.liveOwnerOf(tokenHash, 'email_verification');
    if (owner === null) throw new AppException('USER_1007');
    const userId = await this.transactions.runForUser(owner, async (tx) => {
      const consumed = await this.oneTimeTokens.consume(tokenHash, 'email_verification', tx);
      // Links mailed before addresses were recorded (email null) verify nothing: ask again.
      if (consumed === null || consumed.email === null) throw new AppException('USER_1007');
      const id = consumed.userId;
      const user = await this.users.markVerified(tx, id, consumed.email);
      await this.events.record(tx, userEvent('user.email_verified', id, { user_id: id, email: user.email }));
      return id;
    });
    await this.users.afterWrite(userId, []);
  }

  /**
   * After an email change: the new address gets a verification link (the old links name
   * the old address and verify nothing now), and the old one a notice, so an owner whose
   * account was taken over hears of it.
   */
  async emailChanged(change: EmailChange): Promise<void> {
    this.mail.sendInBackground({
      to: change.previousEmail,
      subject: 'Your email address was changed',
      text: 'The email address of your account was changed, and mail now goes to the new address. If you did not ask for this, contact support.\n',
    });
    await this.sendVerificationTo({ id: change.userId, email: change.email, isVerified: change.isVerified });
  }
}
