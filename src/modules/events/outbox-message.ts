import { EVENT_PRODUCER, EVENT_VERSION, type EventEnvelope, type UserEventType } from './user-events.js';

/** A pending outbox row as the relay claims it. */
export interface PendingOutboxRow {
  /** bigint as a string: commit order per user (see OutboxRepository.insert). */
  id: string;
  eventId: string;
  eventType: string;
  aggregateId: string;
  payload: Record<string, unknown>;
  occurredAt: Date;
  /** The recording request's W3C trace context, null without tracing (and on older rows). */
  traceContext?: Record<string, string> | null;
}

/** One Kafka record: key = user id, value = the JSON envelope, headers for routing without parsing. */
export interface OutboxMessage {
  key: string;
  value: string;
  headers: { event_type: string; version: string; event_id: string; traceparent?: string; tracestate?: string };
}

export function toEnvelope(row: PendingOutboxRow): EventEnvelope {
  return {
    event_id: row.eventId,
    event_type: row.eventType as UserEventType,
    version: EVENT_VERSION,
    occurred_at: row.occurredAt.toISOString(),
    producer: EVENT_PRODUCER,
    data: row.payload,
  };
}

export function toKafkaMessage(row: PendingOutboxRow): OutboxMessage {
  return {
    key: row.aggregateId,
    value: JSON.stringify(toEnvelope(row)),
    headers: { event_type: row.eventType, version: EVENT_VERSION, event_id: row.eventId },
  };
}

const RELAY_BACKOFF_BASE_MS = 250;
const RELAY_BACKOFF_CAP_MS = 10_000;

/**
 * Wait before the next try after `failures` consecutive failures: 250 ms doubling up to
 * 10 s, with ±20 % jitter so several pods do not hit a returning broker in step.
 */
export function relayBackoffMs(failures: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 16);
  const base = Math.min(RELAY_BACKOFF_CAP_MS, RELAY_BACKOFF_BASE_MS * 2 ** exponent);
  const jittered = base * (0.8 + 0.4 * random());
  return Math.round(Math.min(RELAY_BACKOFF_CAP_MS, jittered));
}
