import { Injectable } from '@nestjs/common';
import type { Db } from '#src/database/transaction.js';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { type PageQueryDto, pageOf } from '#src/common/http/page-query.dto.js';
import { toAuditEntryResponse } from './audit.mapper.js';
import { AuditRepository } from './audit.repository.js';
import type { AuditEntry } from './audit-entry.entity.js';
import type { AuditPageDto } from './dto/audit.dto.js';
import type { AuditAction } from './audit-actions.js';

/** Admin actions and security events, written in the same transaction as the change where there is one. */
@Injectable()
export class AuditService {
  constructor(private readonly repository: AuditRepository) {}

  record(
    db: Db,
    action: AuditAction,
    entry: {
      actorId?: string | null;
      targetUserId?: string | null;
      details?: Record<string, unknown>;
      meta?: RequestMeta;
    },
  ): Promise<void> {
    return this.repository.insert(db, {
      action,
      actorId: entry.actorId ?? null,
      targetUserId: entry.targetUserId ?? null,
      details: entry.details ?? {},
      ip: entry.meta?.ip ?? null,
      requestId: entry.meta?.requestId ?? null,
    });
  }

  /** GET /api/v1/audit: one page of entries, newest first. */
  async page(query: PageQueryDto & { user_id?: string; action?: AuditAction }): Promise<AuditPageDto> {
    const page = pageOf(query);
    const { items, total } = await this.repository.list({ userId: query.user_id, action: query.action, ...page });
    return { items: items.map(toAuditEntryResponse), total, ...page };
  }

  aboutUser(userId: string): Promise<AuditEntry[]> {
    return this.repository.aboutUser(userId);
  }
}
