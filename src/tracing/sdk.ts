import { register } from 'node:module';
import type { IncomingMessage } from 'node:http';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { setTracingShutdown } from './tracing-lifecycle.js';

/** Routes that are polled, not used: probes and the scrape (its own listener) make no traces. */
const UNTRACED_PATHS = /^\/(health\/(liveness|readiness)|metrics)(\/|\?|$)/;

/**
 * Starts the OpenTelemetry SDK for Node, configured by the standard OTEL_* variables
 * (exporter protocol and endpoint, sampler, service name, resource attributes, batch
 * processor). Instrumented: incoming HTTP (the W3C `traceparent` of the caller is the
 * parent), Fastify routes, pg queries and ioredis commands inside a request. The outbox
 * relay makes its own Kafka producer spans (src/modules/events/outbox-tracing.ts).
 *
 * What a span may carry (no personal data): no request or response body, no header (none
 * is configured for capture), the query string with every value replaced, SQL text without
 * its parameters (TypeORM always binds them), Redis command names without keys or values
 * (lockout keys hold canonical emails).
 */
export async function startTracing(): Promise<void> {
  // import-in-the-middle wraps only the modules an instrumentation hooks (the ESM `import`s of
  // pg, ioredis, fastify...); CommonJS `require`s are hooked by require-in-the-middle.
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

  const sdk = new NodeSDK({
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? ''),
        startIncomingSpanHook: (request) => redactedQuery(request),
      }),
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        // One span for the route's handler (the Nest pipeline); none per lifecycle hook.
        instrumentHooks: false,
        ignorePaths: ({ url }) => UNTRACED_PATHS.test(url),
        // Its request span records `url.path` as Fastify's `request.url`, query string included.
        requestHook: (span, request) => span.setAttribute('url.path', request.url.split('?', 1)[0] ?? ''),
      }),
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true, enhancedDatabaseReporting: false }),
      new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
    ],
  });
  sdk.start();
  setTracingShutdown(() => sdk.shutdown());
  await waitForAllMessagesAcknowledged();
}

/** `url.query` with the names kept and every value replaced: a query may hold an email or a token. */
function redactedQuery(request: IncomingMessage): Record<string, string> {
  const url = request.url ?? '';
  const start = url.indexOf('?');
  if (start < 0) return {};
  const names = [...new URLSearchParams(url.slice(start + 1)).keys()];
  return { 'url.query': names.map((name) => `${name}=REDACTED`).join('&') };
}
