import type { FastifyInstance } from 'fastify';
import { httpDuration } from './metrics.js';

/**
 * Records http_request_duration_seconds for every answered request. A Fastify onResponse
 * hook rather than a Nest interceptor: interceptors never see requests refused by guards
 * (401, 403, 429) or by the body parser (400, 413, 415), which are the ones worth alerting on.
 * Unknown routes are labelled `unmatched` so a scan cannot blow up the label set.
 */
export function registerHttpMetrics(fastify: FastifyInstance): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    httpDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
