import { context, isSpanContextValid, propagation, trace } from '@opentelemetry/api';

/**
 * Trace context helpers on the OpenTelemetry API alone. Without the SDK (tracing off, see
 * src/tracing/register.ts) the API's globals are no-ops: no span is active, the propagator
 * injects nothing, and each helper answers "nothing" at the cost of a function call.
 */

/** The W3C carrier (`traceparent`, `tracestate` when set) of the active context, or null when there is none. */
export function captureTraceContext(): Record<string, string> | null {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent === undefined ? null : carrier;
}

/** `trace_id` and `span_id` of the active span, for log lines; undefined when no span is recording. */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  const span = trace.getActiveSpan();
  if (span === undefined) return undefined;
  const ids = span.spanContext();
  return isSpanContextValid(ids) ? { trace_id: ids.traceId, span_id: ids.spanId } : undefined;
}

/** The `traceparent` header value of the active context (the response echoes it), or undefined. */
export function activeTraceparent(): string | undefined {
  return captureTraceContext()?.traceparent;
}
