import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { managerOf, type Db, type Tx } from '#src/database/transaction.js';
import type { PendingOutboxRow } from './outbox-message.js';
import { erasurePatches, outboxRow, outboxTraceContext, type UserEvent } from './user-events.js';

/**
 * The relay lock: an advisory lock in the two-int4 key space (which never collides with
 * the one-bigint migration lock). Arbitrary but fixed.
 */
const RELAY_LOCK_SPACE = 73_012_261;
const RELAY_LOCK_KEY = 1;

/**
 * A relay transaction left open by a vanished process (host gone, no TCP reset) would hold
 * the relay lock until TCP keepalive notices; PostgreSQL ends it after this much idleness.
 * Far above one publish (bounded by the Kafka client's timeouts).
 */
const RELAY_IDLE_IN_TRANSACTION_MS = 60_000;

export type RelayBatchResult =
  | { kind: 'busy' }
  | { kind: 'idle' }
  /** occurredAt: when each published event was committed (the publish-lag histogram). */
  | { kind: 'published'; count: number; occurredAt: Date[] }
  | { kind: 'failed'; count: number; error: unknown };

interface PendingRowRecord {
  id: string;
  event_id: string;
  event_type: string;
  aggregate_id: string;
  payload: Record<string, unknown>;
  occurred_at: Date;
  trace_context: Record<string, string> | null;
}

@Injectable()
export class OutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts the events inside the caller's transaction: they commit or vanish with the change.
   * The bigserial id is drawn here; transactions that change the same user row are
   * serialised by that row's lock, so their ids follow their commit order.
   * Each row keeps the trace context active here (the request's, when tracing is on) for
   * the relay to continue.
   */
  async insert(tx: Tx, events: UserEvent[]): Promise<void> {
    if (events.length === 0) return;
    const traceContext = outboxTraceContext();
    // Plain SQL, one row per event in order (ids follow it): TypeORM's insert() builds the
    // statement from metadata on every call and reads generated columns back, which cost
    // about a tenth of a login's non-hash CPU (docs/performance.md).
    const params: unknown[] = [];
    const rows = events.map((e) => {
      const row = outboxRow(e);
      params.push(row.event_id, row.event_type, row.aggregate_id, JSON.stringify(row.payload), traceContext);
      const n = params.length;
      return `($${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}::jsonb, $${n}::jsonb)`;
    });
    await tx.manager.query(
      `INSERT INTO outbox_events (event_id, event_type, aggregate_id, payload, trace_context) VALUES ${rows.join(', ')}`,
      params,
    );
  }

  /**
   * Erasure: every row of the user, published (kept OUTBOX_RETENTION_HOURS for replays) or
   * pending, has its personal fields overwritten with the anonymised values (erasurePatches),
   * in one statement. A row the relay is publishing at that moment is waited for.
   */
  async redactUser(tx: Tx, userId: string): Promise<number> {
    const result: [unknown[], number] = await tx.manager.query(
      `UPDATE outbox_events o SET payload = o.payload || p.patch
         FROM jsonb_each($2::jsonb) AS p(event_type, patch)
        WHERE o.aggregate_id = $1 AND o.event_type = p.event_type`,
      [userId, JSON.stringify(erasurePatches(userId))],
    );
    return result[1];
  }

  async countPending(db: Db): Promise<number> {
    const rows: { n: string }[] = await managerOf(this.dataSource, db).query(
      'SELECT count(*) AS n FROM outbox_events WHERE published_at IS NULL',
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * One relay step, in one transaction: take the relay lock (or answer `busy` at once when
   * another instance holds it), claim the oldest pending rows, hand them to `publish`,
   * then mark them published, or count the failed attempt, and commit.
   *
   * Ordering: only the holder of the relay lock claims rows, and it claims the lowest
   * pending ids, so rows of one user leave in id order even with several instances (with
   * SKIP LOCKED alone, instance B could take a user's later rows while A still holds the
   * earlier ones, and publish them first). The lock is transaction-scoped: it cannot
   * outlive a crashed instance, and failover is the next poll of any other instance.
   * `FOR UPDATE SKIP LOCKED` stays as the row claim so that nothing else ever waits on it.
   */
  async relayBatch(limit: number, publish: (rows: PendingOutboxRow[]) => Promise<void>): Promise<RelayBatchResult> {
    return this.dataSource.transaction(async (manager) => {
      const [lock] = await manager.query<{ locked: boolean }[]>(
        'SELECT pg_try_advisory_xact_lock($1::int, $2::int) AS locked',
        [RELAY_LOCK_SPACE, RELAY_LOCK_KEY],
      );
      if (lock?.locked !== true) return { kind: 'busy' };
      await manager.query(`SET LOCAL idle_in_transaction_session_timeout = ${RELAY_IDLE_IN_TRANSACTION_MS}`);
      const records = await manager.query<PendingRowRecord[]>(
        `SELECT id, event_id, event_type, aggregate_id, payload, occurred_at, trace_context
           FROM outbox_events
          WHERE published_at IS NULL
          ORDER BY id
          LIMIT $1
          FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (records.length === 0) return { kind: 'idle' };
      const ids = records.map((r) => r.id);
      try {
        await publish(records.map(toPendingRow));
      } catch (error) {
        await manager.query(
          'UPDATE outbox_events SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::bigint[])',
          [ids, describeError(error)],
        );
        return { kind: 'failed', count: records.length, error };
      }
      await manager.query(
        'UPDATE outbox_events SET published_at = now(), attempts = attempts + 1 WHERE id = ANY($1::bigint[])',
        [ids],
      );
      return { kind: 'published', count: records.length, occurredAt: records.map((r) => new Date(r.occurred_at)) };
    });
  }

  /** Deletes published rows older than `before`, in chunks so no statement runs long; returns the count. */
  async purgePublished(before: Date, chunk = 5000): Promise<number> {
    let total = 0;
    for (;;) {
      const result = await this.dataSource.query<[unknown[], number]>(
        `DELETE FROM outbox_events
          WHERE id IN (SELECT id FROM outbox_events
                        WHERE published_at IS NOT NULL AND published_at < $1
                        LIMIT $2)`,
        [before, chunk],
      );
      const deleted = result[1];
      total += deleted;
      if (deleted < chunk) return total;
    }
  }
}

function toPendingRow(r: PendingRowRecord): PendingOutboxRow {
  return {
    id: String(r.id),
    eventId: r.event_id,
    eventType: r.event_type,
    aggregateId: r.aggregate_id,
    payload: r.payload,
    occurredAt: r.occurred_at,
    traceContext: r.trace_context,
  };
}

/** Stored in last_error: the error's class and message, never a payload. */
function describeError(error: unknown): string {
  const e = error as { name?: string; message?: string; type?: string };
  const text = `${e.name ?? 'Error'}${e.type === undefined ? '' : ` (${e.type})`}: ${e.message ?? String(error)}`;
  return text.slice(0, 1000);
}
