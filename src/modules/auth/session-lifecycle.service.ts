import { Injectable } from '@nestjs/common';
import { AppException } from '#src/common/errors/app.exception.js';
import type { UserPrincipal } from '#src/common/auth/principal.js';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { TransactionRunner } from '#src/database/transaction.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { SessionsService } from '#src/modules/sessions/sessions.service.js';
import { UsersService } from '#src/modules/users/users.service.js';
import { LoginService, type TokenResponse } from './login.service.js';

/** Refresh-token rotation with reuse detection, logout, logout-all and session revocation. */
@Injectable()
export class SessionLifecycleService {
  constructor(
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly login: LoginService,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
  ) {}

  async refresh(refreshToken: string, meta: RequestMeta): Promise<TokenResponse> {
    let rotated: Awaited<ReturnType<SessionsService['rotate']>>;
    try {
      rotated = await this.sessions.rotate(refreshToken);
    } catch (error) {
      if (error instanceof AppException && error.code === 'USER_1006') await this.onRefreshFailed(refreshToken, meta);
      throw error;
    }
    const user = await this.users.findActiveOrNull(rotated.userId);
    if (user === null || !user.isActive) throw new AppException('USER_1006');
    return this.login.issue(user, rotated.sessionId, rotated.refreshToken, rotated.expiresAt);
  }

  /** A spent token presented again: someone holds a copy. End the whole session. */
  private async onRefreshFailed(refreshToken: string, meta: RequestMeta): Promise<void> {
    const reuse = await this.sessions.detectReuse(refreshToken);
    if (reuse === null) return;
    const revoked = await this.transactions.runForUser(reuse.userId, async (tx) => {
      const ids = await this.sessions.revoke([reuse.sessionId], 'refresh_reuse', tx);
      if (ids.length > 0) {
        await this.users.recordLogout(tx, reuse.userId, ids, 'refresh_reuse');
        await this.audit.record(
          'security.refresh_reuse',
          { targetUserId: reuse.userId, details: { session_id: reuse.sessionId }, meta },
          tx,
        );
      }
      return ids;
    });
    await this.sessions.forget(revoked);
  }

  async logout(principal: UserPrincipal): Promise<void> {
    await this.end(principal.userId, [principal.sessionId], 'logout');
  }

  async logoutAll(principal: UserPrincipal): Promise<void> {
    const revoked = await this.transactions.runForUser(principal.userId, async (tx) => {
      const ids = await this.sessions.revokeAllForUser(principal.userId, 'logout_all', tx);
      if (ids.length > 0) await this.users.recordLogout(tx, principal.userId, ids, 'logout_all');
      return ids;
    });
    await this.sessions.forget(revoked);
  }

  /** DELETE /sessions/{id}: own sessions; admins may end anyone's (audited). */
  async revokeSession(sessionId: string, principal: UserPrincipal, meta: RequestMeta): Promise<void> {
    const session = await this.sessions.findById(sessionId);
    const isAdmin = principal.role === 'admin';
    if (session === null || session.revokedAt !== null || (session.userId !== principal.userId && !isAdmin)) {
      throw new AppException('USER_1201');
    }
    await this.end(
      session.userId,
      [sessionId],
      'revoked',
      session.userId !== principal.userId ? { actorId: principal.userId, meta } : undefined,
    );
  }

  private async end(
    userId: string,
    ids: string[],
    reason: string,
    audit?: { actorId: string; meta: RequestMeta },
  ): Promise<void> {
    const revoked = await this.transactions.runForUser(userId, async (tx) => {
      const done = await this.sessions.revoke(ids, reason, tx);
      if (done.length > 0) await this.users.recordLogout(tx, userId, done, reason);
      if (audit !== undefined) {
        await this.audit.record(
          'session.revoke',
          { actorId: audit.actorId, targetUserId: userId, details: { session_ids: ids }, meta: audit.meta },
          tx,
        );
      }
      return done;
    });
    await this.sessions.forget(revoked);
  }
}
