import { Injectable } from '@nestjs/common';
import { AppException } from '#src/common/errors/app.exception.js';
import type { UserPrincipal } from '#src/common/auth/principal.js';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { TransactionRunner } from '#src/database/transaction.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { SessionsService } from './sessions.service.js';

/** Ending sessions on request: logout, logout-all and DELETE /sessions/{id}, with their events. */
@Injectable()
export class SessionRevocationService {
  constructor(
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
  ) {}

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

  /** Ends the sessions `ids` of `userId` with `user.logged_out`; the revoked keys go from Redis after commit. */
  async end(
    userId: string,
    ids: string[],
    reason: string,
    audit?: { actorId: string; meta: RequestMeta },
  ): Promise<void> {
    const revoked = await this.transactions.runForUser(userId, async (tx) => {
      const done = await this.sessions.revoke(tx, ids, reason);
      if (done.length > 0) await this.sessions.recordLogout(tx, userId, done, reason);
      if (audit !== undefined) {
        await this.audit.record(tx, 'session.revoke', {
          actorId: audit.actorId,
          targetUserId: userId,
          details: { session_ids: ids },
          meta: audit.meta,
        });
      }
      return done;
    });
    await this.sessions.forget(revoked);
  }

  /** Ends every session of the user. */
  async endAll(userId: string, reason: string): Promise<void> {
    const revoked = await this.transactions.runForUser(userId, async (tx) => {
      const ids = await this.sessions.revokeAllForUser(tx, userId, reason);
      if (ids.length > 0) await this.sessions.recordLogout(tx, userId, ids, reason);
      return ids;
    });
    await this.sessions.forget(revoked);
  }
}
