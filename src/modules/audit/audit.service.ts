import { Injectable } from '@nestjs/common';
import type { Tx } from '#src/database/transaction.js';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { AuditRepository } from './audit.repository.js';
import type { AuditEntry } from './audit-entry.entity.js';

export type AuditAction =
  | 'user.create'
  | 'user.update'
  | 'user.role_change'
  | 'user.delete'
  | 'user.unlock'
  | 'user.import'
  | 'session.revoke'
  | 'security.lockout'
  | 'security.password_reset'
  | 'security.refresh_reuse';

/** Admin actions and security events, written in the same transaction as the change where there is one. */
@Injectable()
export class AuditService {
  constructor(private readonly repository: AuditRepository) {}

  record(
    action: AuditAction,
    entry: {
      actorId?: string | null;
      targetUserId?: string | null;
      details?: Record<string, unknown>;
      meta?: RequestMeta;
    },
    tx?: Tx,
  ): Promise<void> {
    return this.repository.insert(
      {
        action,
        actorId: entry.actorId ?? null,
        targetUserId: entry.targetUserId ?? null,
        details: entry.details ?? {},
        ip: entry.meta?.ip ?? null,
        requestId: entry.meta?.requestId ?? null,
      },
      tx,
    );
  }

  list(filter: { userId?: string; action?: string; page: number; limit: number }): Promise<{
    items: AuditEntry[];
    total: number;
  }> {
    return this.repository.list(filter);
  }

  aboutUser(userId: string): Promise<AuditEntry[]> {
    return this.repository.aboutUser(userId);
  }
}
