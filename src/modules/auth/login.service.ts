import { Injectable } from '@nestjs/common';
import { AppException } from '#src/common/errors/app.exception.js';
import type { ErrorCode } from '#src/common/errors/error-codes.js';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { AUTOCOMMIT, TransactionRunner } from '#src/database/transaction.js';
import { failedLogins, loginAttempts } from '#src/metrics/metrics.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { EventPublisher, userEvent } from '#src/modules/events/event-publisher.js';
import { accountSubject, identifierSubject, subjectsOf } from '#src/modules/lockout/lockout.policy.js';
import { LockoutService } from '#src/modules/lockout/lockout.service.js';
import { SessionsService } from '#src/modules/sessions/sessions.service.js';
import { AccountsService } from '#src/modules/users/accounts.service.js';
import type { User } from '#src/modules/users/user.entity.js';
import type { UserResponseDto } from '#src/modules/users/dto/user.dto.js';
import { toUserResponse } from '#src/modules/users/user.mapper.js';
import type { LoginRequestDto, TokenResponseDto } from './dto/auth.dto.js';
import { PasswordHasher } from './passwords/password-hasher.service.js';
import { TokenService } from './token.service.js';

type CheckResult = { ok: true; user: User; rehash: string | null } | { ok: false; user: User | null };

/** Why a login is refused: the reason kept in the login history, and the error answered. */
interface Refusal {
  reason: 'unknown_account' | 'bad_password' | 'disabled' | 'unverified';
  code: ErrorCode;
}

/**
 * The failed-login metric's reason: one value for an unknown account and a wrong password,
 * so a metrics reader cannot tell them apart (docs/decisions.md, "Metrics port and logs").
 */
const metricReason = (reason: Refusal['reason']): string =>
  reason === 'unknown_account' || reason === 'bad_password' ? 'invalid_credentials' : reason;

/** Login and the service-token credential check: one path for both, lockout included. */
@Injectable()
export class LoginService {
  constructor(
    private readonly accounts: AccountsService,
    private readonly hasher: PasswordHasher,
    private readonly lockout: LockoutService,
    private readonly sessions: SessionsService,
    private readonly tokens: TokenService,
    private readonly events: EventPublisher,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async login(dto: LoginRequestDto, meta: RequestMeta): Promise<TokenResponseDto> {
    try {
      const tokens = await this.attempt(dto, meta);
      loginAttempts.inc({ result: 'success' });
      return tokens;
    } catch (error) {
      loginAttempts.inc({ result: 'failure' });
      // The one refusal that comes before the password check: the lockout's 423.
      if (error instanceof AppException && error.code === 'USER_1003') failedLogins.inc({ reason: 'locked' });
      throw error;
    }
  }

  private async attempt(dto: LoginRequestDto, meta: RequestMeta): Promise<TokenResponseDto> {
    const result = await this.check(dto, meta);
    const refusal = this.refusalOf(result);
    if (refusal !== null) return this.refuse(result.user, refusal, meta);
    const { user, rehash } = result as Extract<CheckResult, { ok: true }>;
    const opened = await this.transactions.runForUser(user.id, async (tx) => {
      // The user row first, then sessions: every transaction that touches both takes them
      // in this order (password change, deactivation, erasure), so they cannot deadlock.
      await this.accounts.markLoggedIn(tx, user.id, rehash);
      const o = await this.sessions.open(tx, { userId: user.id, ip: meta.ip, userAgent: meta.userAgent });
      await this.accounts.addLoginHistory(tx, {
        userId: user.id,
        ip: meta.ip,
        userAgent: meta.userAgent,
        success: true,
        reason: null,
      });
      await this.events.record(
        tx,
        userEvent('user.logged_in', user.id, {
          user_id: user.id,
          session_id: o.session.id,
          ip_address: meta.ip,
          user_agent: meta.userAgent,
        }),
      );
      if (o.evicted.length > 0) await this.sessions.recordLogout(tx, user.id, o.evicted, 'session_limit');
      return o;
    });
    await Promise.all([
      this.sessions.publishOpened(opened.session, opened.evicted),
      this.accounts.afterWrite(user.id, []),
    ]);
    return this.tokens.issue(user, {
      id: opened.session.id,
      refreshToken: opened.refreshToken,
      expiresAt: opened.session.expiresAt,
    });
  }

  /** Wrong credentials, then a disabled account, then an unverified email (when required). */
  private refusalOf(result: CheckResult): Refusal | null {
    if (!result.ok) return { reason: result.user === null ? 'unknown_account' : 'bad_password', code: 'USER_1001' };
    if (!result.user.isActive) return { reason: 'disabled', code: 'USER_1002' };
    if (this.config.requireVerifiedEmail && !result.user.isVerified) return { reason: 'unverified', code: 'USER_1004' };
    return null;
  }

  /** The one way a login fails after the password check: history, metric, answer. */
  private async refuse(user: User | null, refusal: Refusal, meta: RequestMeta): Promise<never> {
    await this.accounts.addLoginHistory(AUTOCOMMIT, {
      userId: user?.id ?? null,
      ip: meta.ip,
      userAgent: meta.userAgent,
      success: false,
      reason: refusal.reason,
    });
    failedLogins.inc({ reason: metricReason(refusal.reason) });
    throw new AppException(refusal.code);
  }

  /** POST /users/verify-credentials: `{valid, user}`; failures count towards the lockout. */
  async verifyCredentials(
    dto: LoginRequestDto,
    meta: RequestMeta,
  ): Promise<{ valid: boolean; user?: UserResponseDto }> {
    const result = await this.check(dto, meta);
    if (!result.ok || !result.user.isActive) return { valid: false };
    if (result.rehash !== null) {
      const rehash = result.rehash;
      await this.transactions.runForUser(result.user.id, (tx) =>
        this.accounts.markLoggedIn(tx, result.user.id, rehash),
      );
      await this.accounts.afterWrite(result.user.id, []);
    }
    return { valid: true, user: toUserResponse(result.user) };
  }

  /**
   * Lookup, lockout and verify. Failures count per account once it is found (whatever
   * spelling or route found it), else per canonical identifier; unknown accounts verify
   * against a dummy hash, so both answers cost the same.
   */
  private async check(dto: LoginRequestDto, meta: RequestMeta): Promise<CheckResult> {
    const user = await this.accounts.findForLogin(dto);
    const subject = user === null ? identifierSubject(dto) : accountSubject(user.id);
    await this.lockout.assertNotLocked(subject);
    const verdict =
      user === null
        ? { valid: await this.hasher.verifyDummy(dto.password), needsRehash: false }
        : await this.hasher.verify(user.passwordHash, dto.password);
    if (user === null || !verdict.valid) {
      await this.lockout.recordFailure(subject, user?.id ?? null, meta);
      return { ok: false, user };
    }
    await this.lockout.clear(subject);
    const rehash = verdict.needsRehash ? await this.hasher.hash(dto.password) : null;
    return { ok: true, user, rehash };
  }

  /** Admin unlock: clears every counter and lock the account may be under. */
  async unlock(userId: string, actorId: string, meta: RequestMeta): Promise<void> {
    const user = await this.accounts.findOrNull(userId);
    if (user === null) throw new AppException('USER_1101');
    await this.lockout.clear(...subjectsOf(user));
    await this.audit.record(AUTOCOMMIT, 'user.unlock', { actorId, targetUserId: userId, meta });
  }
}
