import { sql } from './database.js';

/** What the service stored, read straight from PostgreSQL. */

/** The outbox rows of one event type about one user (its aggregate). */
export function outboxRowsOf<P = Record<string, unknown>>(
  databaseUrl: string,
  eventType: string,
  userId: string,
): Promise<{ id: string; payload: P }[]> {
  return sql(
    databaseUrl,
    'SELECT id::text AS id, payload FROM outbox_events WHERE event_type = $1 AND aggregate_id = $2',
    [eventType, userId],
  );
}

/** The audit rows of one action about one user. */
export function auditRowsOf(
  databaseUrl: string,
  action: string,
  targetUserId: string,
): Promise<{ id: string; actor_id: string | null }[]> {
  return sql(databaseUrl, 'SELECT id, actor_id FROM audit_log WHERE action = $1 AND target_user_id = $2', [
    action,
    targetUserId,
  ]);
}
