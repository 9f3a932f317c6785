import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { managerOf, type Tx } from '#src/database/transaction.js';
import { OutboxEvent } from './outbox-event.entity.js';
import type { UserEvent } from './user-events.js';

@Injectable()
export class OutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts the events inside the caller's transaction: they commit or vanish with the change. */
  async insert(tx: Tx, events: UserEvent[]): Promise<void> {
    if (events.length === 0) return;
    await tx.manager.insert(
      OutboxEvent,
      events.map((e) => ({
        eventId: randomUUID(),
        eventType: e.type,
        aggregateId: e.userId,
        payload: e.data,
      })) as QueryDeepPartialEntity<OutboxEvent>[],
    );
  }

  async countPending(tx?: Tx): Promise<number> {
    const rows: { n: string }[] = await managerOf(this.dataSource, tx).query(
      'SELECT count(*) AS n FROM outbox_events WHERE published_at IS NULL',
    );
    return Number(rows[0]?.n ?? 0);
  }
}
