import { Injectable } from '@nestjs/common';
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
import { PasswordHasher } from '#src/modules/users/password-hasher.service.js';
import type { User } from '#src/modules/users/user.entity.js';
import { UsersService } from '#src/modules/users/users.service.js';
import { subjectsOf } from '#src/modules/lockout/lockout.policy.js';
import { LockoutService } from '#src/modules/lockout/lockout.service.js';
import type { OneTimeTokenPurpose } from './one-time-token.entity.js';
import { OneTimeTokensRepository } from './one-time-tokens.repository.js';

const RESET_TTL_MS = 30 * 60 * 1000;
const VERIFY_TTL_MS = 24 * 60 * 60 * 1000;

/** Password change, forgot/reset, and email verification. */
@Injectable()
export class PasswordService {
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
    @InjectConfig() private readonly config: AppConfig,
  ) {}

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

  /** A new one-time token for the user; older unused ones of the same purpose stop working. */
  private async issueToken(userId: string, purpose: OneTimeTokenPurpose, ttlMs: number): Promise<string> {
    const token = newOpaqueToken();
    await this.transactions.run(async (tx) => {
      await this.oneTimeTokens.invalidateAll(userId, purpose, tx);
      await this.oneTimeTokens.insert(
        { userId, purpose, tokenHash: hashToken(token), expiresAt: new Date(Date.now() + ttlMs) },
        tx,
      );
    });
    return token;
  }

  /** Always 202: whether the account exists is never revealed. The mail goes out in the background. */
  async forgot(email: string): Promise<void> {
    const user = await this.users.findByEmail(email);
    if (user === null || !user.isActive || user.deletedAt !== null) return;
    const token = await this.issueToken(user.id, 'password_reset', RESET_TTL_MS);
    this.mail.sendInBackground({
      to: user.email,
      subject: 'Reset your password',
      text: `Someone asked to reset the password of this account. The link works once, for 30 minutes:\n\n${this.config.http.publicUrl}/reset-password?token=${token}\n\nIf it was not you, ignore this mail.`,
    });
  }

  /** Works while the email is locked, clears the lock, and ends every session. */
  async reset(token: string, newPassword: string, meta: RequestMeta): Promise<void> {
    this.users.assertPasswordPolicy(newPassword);
    const hash = await this.hasher.hash(newPassword);
    const tokenHash = hashToken(token);
    const owner = await this.oneTimeTokens.ownerOf(tokenHash, 'password_reset');
    if (owner === null) throw new AppException('USER_1007');
    const result = await this.transactions.runForUser(owner, async (tx) => {
      const userId = await this.oneTimeTokens.consume(tokenHash, 'password_reset', tx);
      if (userId === null) throw new AppException('USER_1007');
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

  /** Mails a fresh verification link (older ones stop working); nothing for verified users. */
  async sendVerificationTo(user: Pick<User, 'id' | 'email' | 'isVerified'>): Promise<void> {
    if (user.isVerified) return;
    const token = await this.issueToken(user.id, 'email_verification', VERIFY_TTL_MS);
    this.mail.sendInBackground({
      to: user.email,
      subject: 'Verify your email',
      text: `Confirm this address by opening the link (valid for 24 hours):\n\n${this.config.http.publicUrl}/verify-email?token=${token}\n`,
    });
  }

  async verifyEmail(token: string): Promise<void> {
    const tokenHash = hashToken(token);
    const owner = await this.oneTimeTokens.ownerOf(tokenHash, 'email_verification');
    if (owner === null) throw new AppException('USER_1007');
    const userId = await this.transactions.runForUser(owner, async (tx) => {
      const id = await this.oneTimeTokens.consume(tokenHash, 'email_verification', tx);
      if (id === null) throw new AppException('USER_1007');
      const user = await this.users.markVerified(tx, id);
      await this.events.record(tx, userEvent('user.email_verified', id, { user_id: id, email: user.email }));
      return id;
    });
    await this.users.afterWrite(userId, []);
  }
}
