import { Injectable } from '@nestjs/common';
import { AppException } from '#src/common/errors/app.exception.js';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { TransactionRunner } from '#src/database/transaction.js';
import { EventPublisher, userEvent } from '#src/modules/events/event-publisher.js';
import { SessionsService } from '#src/modules/sessions/sessions.service.js';
import { PasswordHasher } from '#src/modules/users/password-hasher.service.js';
import type { User } from '#src/modules/users/user.entity.js';
import { toUserResponse, type UserResponse } from '#src/modules/users/user.mapper.js';
import { UsersService } from '#src/modules/users/users.service.js';
import type { LoginRequestDto } from './dto/auth.dto.js';
import { accountSubject, identifierSubject, subjectsOf } from '#src/modules/lockout/lockout.policy.js';
import { LockoutService } from '#src/modules/lockout/lockout.service.js';
import { TokenService } from './token.service.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { failedLogins, loginAttempts } from '#src/metrics/metrics.js';

export interface TokenResponse {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
  expires_in: number;
  refresh_expires_in: number;
}

const FAILURE_REASONS: Partial<Record<string, string>> = {
  USER_1002: 'disabled',
  USER_1003: 'locked',
  USER_1004: 'unverified',
};

type CheckResult = { ok: true; user: User; rehash: string | null } | { ok: false; user: User | null; reason: string };

/** Login and the service-token credential check: one path for both, lockout included. */
@Injectable()
export class LoginService {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly lockout: LockoutService,
    private readonly sessions: SessionsService,
    private readonly tokens: TokenService,
    private readonly events: EventPublisher,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async login(dto: LoginRequestDto, meta: RequestMeta): Promise<TokenResponse> {
    try {
      const tokens = await this.attempt(dto, meta);
      loginAttempts.inc({ result: 'success' });
      return tokens;
    } catch (error) {
      loginAttempts.inc({ result: 'failure' });
      const reason = error instanceof AppException ? FAILURE_REASONS[error.code] : undefined;
      if (reason !== undefined) failedLogins.inc({ reason });
      throw error;
    }
  }

  private async attempt(dto: LoginRequestDto, meta: RequestMeta): Promise<TokenResponse> {
    const result = await this.check(dto, meta);
    if (!result.ok) {
      await this.users.addLoginHistory({
        userId: result.user?.id ?? null,
        ip: meta.ip,
        userAgent: meta.userAgent,
        success: false,
        reason: result.reason,
      });
      // One value for unknown account and wrong password: a metrics reader must not learn which.
      failedLogins.inc({ reason: 'invalid_credentials' });
      throw new AppException('USER_1001');
    }
    const { user } = result;
    if (!user.isActive) {
      await this.users.addLoginHistory({
        userId: user.id,
        ip: meta.ip,
        userAgent: meta.userAgent,
        success: false,
        reason: 'disabled',
      });
      throw new AppException('USER_1002');
    }
    if (this.config.requireVerifiedEmail && !user.isVerified) {
      await this.users.addLoginHistory({
        userId: user.id,
        ip: meta.ip,
        userAgent: meta.userAgent,
        success: false,
        reason: 'unverified',
      });
      throw new AppException('USER_1004');
    }
    const opened = await this.transactions.runForUser(user.id, async (tx) => {
      // The user row first, then sessions: every transaction that touches both takes them
      // in this order (password change, deactivation, erasure), so they cannot deadlock.
      await this.users.markLoggedIn(tx, user.id, result.rehash);
      const o = await this.sessions.open(tx, { userId: user.id, ip: meta.ip, userAgent: meta.userAgent });
      await this.users.addLoginHistory(
        { userId: user.id, ip: meta.ip, userAgent: meta.userAgent, success: true, reason: null },
        tx,
      );
      await this.events.record(
        tx,
        userEvent('user.logged_in', user.id, {
          user_id: user.id,
          session_id: o.session.id,
          ip_address: meta.ip,
          user_agent: meta.userAgent,
        }),
      );
      if (o.evicted.length > 0) await this.users.recordLogout(tx, user.id, o.evicted, 'session_limit');
      return o;
    });
    await Promise.all([
      this.sessions.publishOpened(opened.session, opened.evicted),
      this.users.afterWrite(user.id, []),
    ]);
    return this.issue(user, opened.session.id, opened.refreshToken, opened.session.expiresAt);
  }

  /** POST /users/verify-credentials: `{valid, user}`; failures count towards the lockout. */
  async verifyCredentials(dto: LoginRequestDto, meta: RequestMeta): Promise<{ valid: boolean; user?: UserResponse }> {
    const result = await this.check(dto, meta);
    if (!result.ok || !result.user.isActive) return { valid: false };
    if (result.rehash !== null) {
      const rehash = result.rehash;
      await this.transactions.runForUser(result.user.id, (tx) => this.users.markLoggedIn(tx, result.user.id, rehash));
      await this.users.afterWrite(result.user.id, []);
    }
    return { valid: true, user: toUserResponse(result.user) };
  }

  issue(
    user: Pick<User, 'id' | 'role' | 'email'>,
    sessionId: string,
    refreshToken: string,
    expiresAt: Date,
  ): TokenResponse {
    return {
      access_token: this.tokens.sign({ sub: user.id, sid: sessionId, role: user.role, email: user.email }),
      refresh_token: refreshToken,
      token_type: 'bearer',
      expires_in: this.tokens.accessTtlSeconds,
      refresh_expires_in: Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000)),
    };
  }

  /**
   * Lookup, lockout and verify. Failures count per account once it is found (whatever
   * spelling or route found it), else per canonical identifier; unknown accounts verify
   * against a dummy hash, so both answers cost the same.
   */
  private async check(dto: LoginRequestDto, meta: RequestMeta): Promise<CheckResult> {
    const user = await this.users.findForLogin(dto);
    const subject = user === null ? identifierSubject(dto) : accountSubject(user.id);
    await this.lockout.assertNotLocked(subject);
    const verdict =
      user === null
        ? { valid: await this.hasher.verifyDummy(dto.password), needsRehash: false }
        : await this.hasher.verify(user.passwordHash, dto.password);
    if (user === null || !verdict.valid) {
      await this.lockout.recordFailure(subject, user?.id ?? null, meta);
      return { ok: false, user, reason: user === null ? 'unknown_account' : 'bad_password' };
    }
    await this.lockout.clear(subject);
    const rehash = verdict.needsRehash ? await this.hasher.hash(dto.password) : null;
    return { ok: true, user, rehash };
  }

  /** Admin unlock: clears every counter and lock the account may be under. */
  async unlock(userId: string, actorId: string, meta: RequestMeta): Promise<void> {
    const user = await this.users.findActiveOrNull(userId);
    if (user === null) throw new AppException('USER_1101');
    await this.lockout.clear(...subjectsOf(user));
    await this.audit.record('user.unlock', { actorId, targetUserId: userId, meta });
  }
}
