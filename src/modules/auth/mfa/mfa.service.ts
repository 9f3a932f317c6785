import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { toString as qrSvg } from 'qrcode';
import type { UserPrincipal } from '#src/common/auth/principal.js';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { AppException } from '#src/common/errors/app.exception.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { TransactionRunner, type Tx } from '#src/database/transaction.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { EventPublisher, userEvent } from '#src/modules/events/event-publisher.js';
import { SessionsService } from '#src/modules/sessions/sessions.service.js';
import { AccountsService } from '#src/modules/users/accounts.service.js';
import type { User } from '#src/modules/users/user.entity.js';
import type { MfaStepUpRequestDto, RecoveryCodesResponseDto, TotpSetupResponseDto } from './dto/mfa.dto.js';
import { MfaRepository } from './mfa.repository.js';
import { hashRecoveryCode, newRecoveryCodes } from './recovery-codes.policy.js';
import { SecondFactorService } from './second-factor.service.js';
import { TotpSecretCipher } from './totp-secret.cipher.js';
import { TotpMethod } from './totp.method.js';
import { newTotpSecret, otpauthUrl } from './totp.policy.js';

/** Enrolment, recovery codes, turning MFA off, and the admin reset for a lost device. */
@Injectable()
export class MfaService implements OnApplicationBootstrap {
  constructor(
    private readonly repository: MfaRepository,
    private readonly cipher: TotpSecretCipher,
    private readonly totp: TotpMethod,
    private readonly secondFactor: SecondFactorService,
    private readonly accounts: AccountsService,
    private readonly sessions: SessionsService,
    private readonly events: EventPublisher,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Secrets stored and no key to read them: every MFA login would fail, so the start does. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.cipher.available && (await this.repository.anySecretStored())) {
      throw new Error('MFA_ENCRYPTION_KEY: required in production once TOTP secrets are stored');
    }
  }

  async setup(principal: UserPrincipal, meta: RequestMeta): Promise<TotpSetupResponseDto> {
    const user = await this.requireUser(principal.userId);
    if (user.mfaEnabled) throw new AppException('USER_1403');
    const secret = newTotpSecret();
    const ciphertext = this.cipher.encrypt(user.id, secret);
    await this.transactions.runForUser(user.id, async (tx) => {
      if (!(await this.repository.savePending(tx, user.id, ciphertext))) throw new AppException('USER_1403');
      await this.audit.record(tx, 'mfa.setup', { actorId: user.id, targetUserId: user.id, meta });
    });
    const url = otpauthUrl(secret, this.config.mfa.issuer, user.email);
    return {
      secret,
      otpauth_url: url,
      qr_svg: await qrSvg(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }),
    };
  }

  /** The first good code turns MFA on and hands out the recovery codes, once. */
  async confirm(principal: UserPrincipal, code: string, meta: RequestMeta): Promise<RecoveryCodesResponseDto> {
    const user = await this.requireUser(principal.userId);
    if (user.mfaEnabled) throw new AppException('USER_1403');
    const verdict = await this.totp.verifyPending(user.id, code);
    if (verdict === 'none') throw new AppException('USER_1404', 'No TOTP setup to confirm: call setup first');
    if (verdict === 'wrong') throw new AppException('USER_1401');
    const codes = newRecoveryCodes();
    await this.transactions.runForUser(user.id, async (tx) => {
      if (!(await this.repository.confirm(tx, user.id))) throw new AppException('USER_1403');
      await this.repository.replaceRecoveryCodes(
        tx,
        user.id,
        codes.map((c) => hashRecoveryCode(user.id, c)),
      );
      await this.accounts.setMfaEnabled(tx, user.id, true);
      await this.events.record(tx, userEvent('user.mfa_enabled', user.id, { user_id: user.id }));
      await this.audit.record(tx, 'mfa.confirm', { actorId: user.id, targetUserId: user.id, meta });
    });
    await this.accounts.afterWrite(user.id, []);
    return { recovery_codes: codes };
  }

  async regenerateRecoveryCodes(
    principal: UserPrincipal,
    dto: MfaStepUpRequestDto,
    meta: RequestMeta,
  ): Promise<RecoveryCodesResponseDto> {
    const user = await this.stepUp(principal.userId, dto, meta);
    const codes = newRecoveryCodes();
    await this.transactions.runForUser(user.id, async (tx) => {
      await this.repository.replaceRecoveryCodes(
        tx,
        user.id,
        codes.map((c) => hashRecoveryCode(user.id, c)),
      );
      await this.audit.record(tx, 'mfa.recovery_codes_regenerated', { actorId: user.id, targetUserId: user.id, meta });
    });
    return { recovery_codes: codes };
  }

  async disable(principal: UserPrincipal, dto: MfaStepUpRequestDto, meta: RequestMeta): Promise<void> {
    const user = await this.stepUp(principal.userId, dto, meta);
    await this.transactions.runForUser(user.id, async (tx) => {
      await this.turnOff(tx, user.id, null, 'disabled');
      await this.audit.record(tx, 'mfa.disable', { actorId: user.id, targetUserId: user.id, meta });
    });
    await this.accounts.afterWrite(user.id, []);
  }

  /** A lost device: an admin turns the user's MFA off and ends their sessions. */
  async adminReset(userId: string, actorId: string, meta: RequestMeta): Promise<void> {
    const user = await this.accounts.findOrNull(userId);
    if (user === null) throw new AppException('USER_1101');
    if (!user.mfaEnabled) throw new AppException('USER_1404');
    const revoked = await this.transactions.runForUser(userId, async (tx) => {
      await this.turnOff(tx, userId, actorId, 'admin_reset');
      const ids = await this.sessions.revokeAllForUser(tx, userId, 'mfa_reset');
      if (ids.length > 0) await this.sessions.recordLogout(tx, userId, ids, 'mfa_reset');
      await this.audit.record(tx, 'mfa.admin_reset', { actorId, targetUserId: userId, meta });
      return ids;
    });
    await this.accounts.afterWrite(userId, revoked);
  }

  private async turnOff(
    tx: Tx,
    userId: string,
    actorId: string | null,
    reason: 'disabled' | 'admin_reset',
  ): Promise<void> {
    await this.repository.deleteAllForUser(tx, userId);
    await this.accounts.setMfaEnabled(tx, userId, false);
    await this.events.record(
      tx,
      userEvent('user.mfa_disabled', userId, { user_id: userId, actor_id: actorId, reason }),
    );
  }

  /** MFA on, the password, then a code or a recovery code: USER_1404, USER_1001/1003, USER_1401. */
  private async stepUp(userId: string, dto: MfaStepUpRequestDto, meta: RequestMeta): Promise<User> {
    const user = await this.requireUser(userId);
    if (!user.mfaEnabled) throw new AppException('USER_1404');
    await this.accounts.assertPassword(userId, dto.password, meta);
    await this.secondFactor.verify(userId, dto, meta);
    return user;
  }

  private async requireUser(userId: string): Promise<User> {
    const user = await this.accounts.findOrNull(userId);
    if (user === null) throw new AppException('USER_1101');
    return user;
  }
}
