import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One user lifecycle event waiting for (or done with) publication to Kafka. */
@Entity({ name: 'outbox_events' })
@Index('ix_outbox_pending', ['id'], { where: 'published_at IS NULL' })
@Index('ix_outbox_published_at', ['publishedAt'], { where: 'published_at IS NOT NULL' })
// Erasure rewrites every row of one user (docs/decisions.md, "Erasure and token binding").
@Index('ix_outbox_aggregate', ['aggregateId'])
export class OutboxEvent {
  /** Monotonic: the relay publishes in id order, which is commit order per user. */
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Index('uq_outbox_event_id', { unique: true })
  @Column({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType!: string;

  /** Kafka key: the user id. */
  @Column({ name: 'aggregate_id', type: 'uuid' })
  aggregateId!: string;

  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @CreateDateColumn({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  /**
   * The W3C trace context (`{traceparent, tracestate?}`) of the request that recorded the
   * event; the relay's Kafka producer span continues it. Null when tracing is off.
   */
  @Column({ name: 'trace_context', type: 'jsonb', nullable: true })
  traceContext!: Record<string, string> | null;
}
