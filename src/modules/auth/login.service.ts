import { Injectable } from '@nestjs/common';
import { AppException } from '#src/common/errors/app.exception.js';
import type { ErrorCode } from '#src/common/errors/error-codes.js';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { AUTOCOMMIT, TransactionRunner } from '#src/database/transaction.js';
import { failedLogins, loginAttempts, mfaSecondSteps } from '#src/metrics/metrics.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { userEvent } from '#src/modules/events/event-publisher.js';
import { accountSubject, identifierSubject, subjectsOf } from '#src/modules/lockout/lockout.policy.js';
import { LockoutService } from '#src/modules/lockout/lockout.service.js';
import { SessionsService } from '#src/modules/sessions/sessions.service.js';
import { AccountsService, passwordFingerprintOf } from '#src/modules/users/accounts.service.js';
import type { User } from '#src/modules/users/user.entity.js';
import type { UserResponseDto } from '#src/modules/users/dto/user.dto.js';
import { toUserResponse } from '#src/modules/users/user.mapper.js';
import type { LoginRequestDto, TokenResponseDto } from './dto/auth.dto.js';
import type { LoginMfaRequestDto, MfaRequiredResponseDto } from './mfa/dto/mfa.dto.js';
import { MFA_TOKEN_TTL_SECONDS, MfaChallengeService } from './mfa/mfa-challenge.service.js';
import { SecondFactorService } from './mfa/second-factor.service.js';
import { PasswordHasher } from './passwords/password-hasher.service.js';
import { SignInRepository } from './sign-in.repository.js';
import { TokenService } from './token.service.js';

/**
 * A good password leaves `subject`'s failure counter to clear: the caller clears it, the
 * login together with its other Redis writes after the commit (one round trip instead of two).
 */
type CheckResult = { ok: true; user: User; rehash: string | null; subject: string } | { ok: false; user: User | null };

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

/** The second step's metric result, from the error that ended it. */
function secondStepResult(error: unknown): string {
  const code = error instanceof AppException ? error.code : null;
  if (code === 'USER_1401') return 'invalid_code';
  if (code === 'USER_1006') return 'invalid_token';
  if (code === 'USER_1003') return 'locked';
  return 'error';
}

/**
 * A finished sign-in: one of our sessions is open. The JSON route turns it into tokens; the
 * hosted pages (and the OpenID provider's interaction) keep the session id in a cookie.
 */
export interface SignedIn {
  user: User;
  session: { id: string; refreshToken: string; expiresAt: Date };
}

/** Where a sign-in comes from: the OAuth client of a sign-in through the OpenID provider (`user.logged_in.client_id`). */
export interface SignInContext {
  clientId?: string;
}

/** What the first step of a sign-in yields: a session, or for a user with MFA the second step to take. */
export type SignInResult = { signedIn: SignedIn } | { mfaRequired: MfaRequiredResponseDto };

const invalidMfaToken = (): AppException =>
  new AppException('USER_1006', 'The mfa_token is unknown, used or expired: log in again');

/** Login and the service-token credential check: one path for both, lockout included. */
@Injectable()
export class LoginService {
  constructor(
    private readonly accounts: AccountsService,
    private readonly hasher: PasswordHasher,
    private readonly lockout: LockoutService,
    private readonly sessions: SessionsService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly challenges: MfaChallengeService,
    private readonly signIns: SignInRepository,
    private readonly secondFactor: SecondFactorService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Tokens, or for a user with MFA the `mfa_required` answer and no tokens. */
  async login(dto: LoginRequestDto, meta: RequestMeta): Promise<TokenResponseDto | MfaRequiredResponseDto> {
    const result = await this.signIn(dto, meta);
    return 'mfaRequired' in result ? result.mfaRequired : this.tokensOf(result.signedIn);
  }

  /**
   * The one sign-in of the service (POST /auth/login, the hosted sign-in page, the OpenID
   * provider's interaction): lookup, lockout, password, then a session, or for a user with
   * MFA the mfa_token of the second step. Rate limits are the caller's route's.
   */
  async signIn(dto: LoginRequestDto, meta: RequestMeta, context: SignInContext = {}): Promise<SignInResult> {
    try {
      const result = await this.attempt(dto, meta, context);
      loginAttempts.inc({ result: 'mfaRequired' in result ? 'mfa_required' : 'success' });
      return result;
    } catch (error) {
      loginAttempts.inc({ result: 'failure' });
      // The one refusal that comes before the password check: the lockout's 423.
      if (error instanceof AppException && error.code === 'USER_1003') failedLogins.inc({ reason: 'locked' });
      throw error;
    }
  }

  private async attempt(dto: LoginRequestDto, meta: RequestMeta, context: SignInContext): Promise<SignInResult> {
    const result = await this.check(dto, meta);
    const refusal = this.refusalOf(result);
    if (result.ok && (refusal !== null || result.user.mfaEnabled)) await this.lockout.clear(result.subject);
    if (refusal !== null) return this.refuse(result.user, refusal, meta);
    const { user, rehash, subject } = result as Extract<CheckResult, { ok: true }>;
    // The flag is on the row the password check read: no lookup for users without MFA.
    if (user.mfaEnabled) return { mfaRequired: await this.startSecondStep(user, rehash) };
    return { signedIn: await this.open(user, rehash, meta, subject, context) };
  }

  /**
   * The password was right: keep its rehash now (the second step may never come), and hand
   * out an mfa_token bound to the user and to the password hash that was checked.
   */
  private async startSecondStep(user: User, rehash: string | null): Promise<MfaRequiredResponseDto> {
    if (rehash !== null) {
      await this.transactions.runForUser(user.id, (tx) => this.accounts.setPasswordHash(tx, user.id, rehash));
      await this.accounts.afterWrite(user.id, []);
    }
    const token = await this.challenges.issue({
      userId: user.id,
      passwordFingerprint: passwordFingerprintOf(rehash ?? user.passwordHash),
    });
    return {
      mfa_required: true,
      mfa_token: token,
      mfa_methods: this.secondFactor.methodNames,
      expires_in: MFA_TOKEN_TTL_SECONDS,
    };
  }

  /** POST /auth/login/mfa: the second step; tokens when the token and the code are good. */
  async loginSecondStep(dto: LoginMfaRequestDto, meta: RequestMeta): Promise<TokenResponseDto> {
    return this.tokensOf(await this.signInSecondStep(dto, meta));
  }

  /** The second step of every sign-in (JSON route and pages): a session when the token and the code are good. */
  async signInSecondStep(dto: LoginMfaRequestDto, meta: RequestMeta, context: SignInContext = {}): Promise<SignedIn> {
    const method = this.secondFactor.methodOf(dto);
    try {
      const signedIn = await this.secondStep(dto, meta, context);
      mfaSecondSteps.inc({ method, result: 'success' });
      loginAttempts.inc({ result: 'success' });
      return signedIn;
    } catch (error) {
      mfaSecondSteps.inc({ method, result: secondStepResult(error) });
      throw error;
    }
  }

  private tokensOf(signedIn: SignedIn): TokenResponseDto {
    return this.tokens.issue(signedIn.user, signedIn.session);
  }

  private async secondStep(dto: LoginMfaRequestDto, meta: RequestMeta, context: SignInContext): Promise<SignedIn> {
    const challenge = await this.challenges.find(dto.mfa_token);
    if (challenge === null) throw invalidMfaToken();
    const user = await this.accounts.findOrNull(challenge.userId);
    // A password changed, an account disabled or MFA reset since the first step: start again.
    if (user === null || !user.isActive || !user.mfaEnabled) throw invalidMfaToken();
    if ((await this.accounts.passwordFingerprint(user.id)) !== challenge.passwordFingerprint) throw invalidMfaToken();
    try {
      await this.secondFactor.verify(user.id, dto, meta);
    } catch (error) {
      if (error instanceof AppException && error.code === 'USER_1401') {
        await this.accounts.addLoginHistory(AUTOCOMMIT, {
          userId: user.id,
          ip: meta.ip,
          userAgent: meta.userAgent,
          success: false,
          reason: 'bad_second_factor',
        });
      }
      throw error;
    }
    if (!(await this.challenges.spend(dto.mfa_token))) throw invalidMfaToken();
    return this.open(user, null, meta, null, context);
  }

  /**
   * A new session: the end of every successful sign-in. Its writes are one statement
   * (SignInRepository): the user row and login history, the session and the eviction of those
   * past the limit, and the events. Then one round of Redis (the new session's key, the
   * evicted ones', the user's cache entry, the cleared lockout counter).
   */
  private async open(
    user: User,
    rehash: string | null,
    meta: RequestMeta,
    lockoutSubject: string | null,
    context: SignInContext,
  ): Promise<SignedIn> {
    const session = this.sessions.draft({ userId: user.id, ip: meta.ip, userAgent: meta.userAgent });
    const loggedIn = userEvent('user.logged_in', user.id, {
      user_id: user.id,
      session_id: session.id,
      ip_address: meta.ip,
      user_agent: meta.userAgent,
      ...(context.clientId === undefined ? {} : { client_id: context.clientId }),
    });
    const { evicted } = await this.signIns.write({
      session,
      rehash,
      events: [loggedIn],
      onEviction: this.sessions.logoutEvent(user.id, [], 'session_limit'),
    });
    await Promise.all([
      this.sessions.publishOpened(session, evicted),
      this.accounts.afterWrite(user.id, []),
      lockoutSubject === null ? undefined : this.lockout.clear(lockoutSubject),
    ]);
    return { user, session: { id: session.id, refreshToken: session.refreshToken, expiresAt: session.expiresAt } };
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
    if (result.ok) await this.lockout.clear(result.subject);
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
    const rehash = verdict.needsRehash ? await this.hasher.hash(dto.password) : null;
    return { ok: true, user, rehash, subject };
  }

  /** Admin unlock: clears every counter and lock the account may be under. */
  async unlock(userId: string, actorId: string, meta: RequestMeta): Promise<void> {
    const user = await this.accounts.findOrNull(userId);
    if (user === null) throw new AppException('USER_1101');
    await this.lockout.clear(...subjectsOf(user));
    await this.audit.record(AUTOCOMMIT, 'user.unlock', { actorId, targetUserId: userId, meta });
  }
}
