import type { AuditEntryDto } from './dto/audit.dto.js';
import type { AuditEntry } from './audit-entry.entity.js';

/** Whitelisting mapper for GET /api/v1/audit. */
export function toAuditEntryResponse(entry: AuditEntry): AuditEntryDto {
  return {
    id: entry.id,
    action: entry.action,
    actor_id: entry.actorId,
    target_user_id: entry.targetUserId,
    details: entry.details,
    ip: entry.ip,
    request_id: entry.requestId,
    created_at: new Date(entry.createdAt).toISOString(),
  };
}
