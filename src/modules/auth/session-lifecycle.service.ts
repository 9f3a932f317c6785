import { Injectable } from '@nestjs/common';
import { AppException } from '#src/common/errors/app.exception.js';
import type { UserPrincipal } from '#src/common/auth/principal.js';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { TransactionRunner } from '#src/database/transaction.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { SessionRevocationService } from '#src/modules/sessions/session-revocation.service.js';
import { SessionsService } from '#src/modules/sessions/sessions.service.js';
import { AccountsService } from '#src/modules/users/accounts.service.js';
import type { TokenResponseDto } from './dto/auth.dto.js';
import { TokenService } from './token.service.js';

/** Refresh-token rotation with reuse detection, logout and logout-all. */
@Injectable()
export class SessionLifecycleService {
  constructor(
    private readonly sessions: SessionsService,
    private readonly revocation: SessionRevocationService,
    private readonly accounts: AccountsService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
  ) {}

  async refresh(refreshToken: string, meta: RequestMeta): Promise<TokenResponseDto> {
    let rotated: Awaited<ReturnType<SessionsService['rotate']>>;
    try {
      rotated = await this.sessions.rotate(refreshToken);
    } catch (error) {
      if (error instanceof AppException && error.code === 'USER_1006') await this.onRefreshFailed(refreshToken, meta);
      throw error;
    }
    const user = await this.accounts.findOrNull(rotated.userId);
    if (user === null || !user.isActive) throw new AppException('USER_1006');
    return this.tokens.issue(user, {
      id: rotated.sessionId,
      refreshToken: rotated.refreshToken,
      expiresAt: rotated.expiresAt,
    });
  }

  /** A spent token presented again: someone holds a copy. End the whole session. */
  private async onRefreshFailed(refreshToken: string, meta: RequestMeta): Promise<void> {
    const reuse = await this.sessions.detectReuse(refreshToken);
    if (reuse === null) return;
    const revoked = await this.transactions.runForUser(reuse.userId, async (tx) => {
      const ids = await this.sessions.revoke(tx, [reuse.sessionId], 'refresh_reuse');
      if (ids.length > 0) {
        await this.sessions.recordLogout(tx, reuse.userId, ids, 'refresh_reuse');
        await this.audit.record(tx, 'security.refresh_reuse', {
          targetUserId: reuse.userId,
          details: { session_id: reuse.sessionId },
          meta,
        });
      }
      return ids;
    });
    await this.sessions.forget(revoked);
  }

  async logout(principal: UserPrincipal): Promise<void> {
    await this.revocation.end(principal.userId, [principal.sessionId], 'logout');
  }

  async logoutAll(principal: UserPrincipal): Promise<void> {
    await this.revocation.endAll(principal.userId, 'logout_all');
  }
}
