import { Injectable, type OnModuleInit } from '@nestjs/common';
import { AppException } from '#src/common/errors/app.exception.js';
import type { UserPrincipal } from '#src/common/auth/principal.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { TransactionRunner } from '#src/database/transaction.js';
import { EventPublisher, userEvent } from '#src/modules/events/event-publisher.js';
import { MailService } from '#src/modules/mail/mail.service.js';
import { hashToken, newOpaqueToken } from '#src/modules/sessions/token-hash.js';
import { AccountsService } from '#src/modules/users/accounts.service.js';
import {
  type EmailChange,
  type EmailChangeListener,
  EmailChangeNotifier,
} from '#src/modules/users/email-change.notifier.js';
import type { User } from '#src/modules/users/user.entity.js';
import { OneTimeTokensRepository } from './one-time-tokens.repository.js';

const VERIFY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Email verification: the link mailed at sign-up, on request and after an email change,
 * bound to the address it was mailed to.
 */
@Injectable()
export class EmailVerificationService implements OnModuleInit, EmailChangeListener {
  constructor(
    private readonly accounts: AccountsService,
    private readonly oneTimeTokens: OneTimeTokensRepository,
    private readonly mail: MailService,
    private readonly events: EventPublisher,
    private readonly transactions: TransactionRunner,
    private readonly emailChanges: EmailChangeNotifier,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.emailChanges.register(this);
  }

  async sendVerification(principal: UserPrincipal): Promise<void> {
    const user = await this.accounts.findOrNull(principal.userId);
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
      await this.oneTimeTokens.invalidateAll(tx, user.id, 'email_verification');
      await this.oneTimeTokens.insert(tx, {
        userId: user.id,
        purpose: 'email_verification',
        tokenHash: hashToken(token),
        expiresAt: new Date(Date.now() + VERIFY_TTL_MS),
        email: user.email,
      });
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
      const consumed = await this.oneTimeTokens.consume(tx, tokenHash, 'email_verification');
      // Links mailed before addresses were recorded (email null) verify nothing: ask again.
      if (consumed === null || consumed.email === null) throw new AppException('USER_1007');
      const id = consumed.userId;
      const user = await this.accounts.markVerified(tx, id, consumed.email);
      await this.events.record(tx, userEvent('user.email_verified', id, { user_id: id, email: user.email }));
      return id;
    });
    await this.accounts.afterWrite(userId, []);
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
