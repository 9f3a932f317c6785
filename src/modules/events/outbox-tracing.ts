import { propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { type OutboxMessage, type PendingOutboxRow, toKafkaMessage } from './outbox-message.js';

const TRACER = 'user-service.outbox-relay';

/**
 * Publishes a relay batch with each message continuing the trace of the request that
 * recorded it (contract §3, "Trace context"): per message a PRODUCER span `send <topic>`,
 * child of the context stored with the outbox row, whose W3C `traceparent` (and
 * `tracestate`) goes out as Kafka headers, so a consumer that extracts them joins that trace.
 *
 * The rows of one batch come from many requests, which is why these spans are made here and
 * not by the kafkajs instrumentation: it parents every message of a `sendBatch` on the one
 * context active at the call (the relay's, with no request in it).
 *
 * Without the SDK (tracing off here) nothing is recording; a row recorded by a traced
 * instance still carries its stored context as headers. Rows with no context get no header.
 * Span attributes: topic, event id and type, and the key (the user id), nothing else.
 */
export async function publishTraced(
  topic: string,
  rows: PendingOutboxRow[],
  send: (messages: OutboxMessage[]) => Promise<void>,
): Promise<void> {
  const tracer = trace.getTracer(TRACER);
  const spans: Span[] = [];
  const messages = rows.map((row): OutboxMessage => {
    const message = toKafkaMessage(row);
    const stored = row.traceContext;
    if (stored === null || stored === undefined) return message;
    const parent = propagation.extract(ROOT_CONTEXT, stored);
    const span = tracer.startSpan(
      `send ${topic}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'send',
          'messaging.operation.name': 'send',
          'messaging.destination.name': topic,
          'messaging.message.id': row.eventId,
          'messaging.kafka.message.key': row.aggregateId,
          'user_service.event_type': row.eventType,
        },
      },
      parent,
    );
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(parent, span), carrier);
    if (span.isRecording()) spans.push(span);
    const traceHeaders = carrier.traceparent === undefined ? pickW3c(stored) : pickW3c(carrier);
    return { ...message, headers: { ...message.headers, ...traceHeaders } };
  });
  try {
    await send(messages);
  } catch (error) {
    for (const span of spans) {
      span.setAttribute('error.type', (error as Error | undefined)?.constructor.name ?? 'Error');
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error | undefined)?.message });
    }
    throw error;
  } finally {
    for (const span of spans) span.end();
  }
}

function pickW3c(carrier: Record<string, string>): { traceparent?: string; tracestate?: string } {
  const headers: { traceparent?: string; tracestate?: string } = {};
  if (typeof carrier.traceparent === 'string') headers.traceparent = carrier.traceparent;
  if (typeof carrier.tracestate === 'string') headers.tracestate = carrier.tracestate;
  return headers;
}
