import { RequestMethod } from '@nestjs/common';
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Params } from 'nestjs-pino';
import { pino, type Logger } from 'pino';
import { activeTraceIds } from '#src/common/tracing/trace-context.js';
import { serializeError } from './log-errors.js';

/** Paths whose values never reach a log line. */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-service-token"]',
  '*.password',
  '*.current_password',
  '*.new_password',
  '*.token',
  '*.refresh_token',
  '*.access_token',
  '*.passwordHash',
  '*.password_hash',
];

let root: Logger | undefined;

/**
 * The one pino logger of the process: Fastify derives each request's logger from it
 * (bound to `request_id`), and nestjs-pino logs through the request's logger when there is
 * one. Pino is global per process, like the streams it writes to.
 */
export function rootLogger(level: string): Logger {
  root ??= pino({
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError, error: serializeError },
    // trace_id and span_id of the active span on every line written inside a traced
    // request (or relay step); nothing without tracing, where no span is ever active.
    mixin: () => activeTraceIds() ?? {},
  });
  return root;
}

/**
 * nestjs-pino reuses the request logger Fastify made (`useExisting`) instead of running
 * pino-http as Nest middleware, which cost about 28 µs a request. Its binding middleware
 * still runs for every route, so a log line written anywhere inside a request carries the
 * request id. ('{*splat}' because the default route, '{/*splat}', matches nothing under
 * @fastify/middie 9: not one request line was logged until a test looked.)
 */
export function loggerParams(logger: Logger): Params {
  return {
    useExisting: true,
    forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
    pinoHttp: { logger },
  };
}

/**
 * Fastify's request lines: one per request when it completes — `debug` for successes
 * (the hot path writes nothing at `info`), `warn` for 4xx, `error` for 5xx — with the
 * method, path (no query string), status and time, never headers or bodies.
 */
export class RequestLogController extends LogController {
  override incomingRequest(): void {
    // One line per request is enough: it is written when the request completes.
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    const level =
      error !== null && error !== undefined ? 'error' : status >= 500 ? 'error' : status >= 400 ? 'warn' : 'debug';
    const log = request.log as unknown as Logger;
    if (!log.isLevelEnabled(level)) return;
    log[level](
      // Flat keys: Fastify's own serializers would read `req`/`res` as request/reply objects.
      // The path without its query: a client that puts a token (`?access_token=`) or an email
      // (`?q=`) in the query must not have it written to the log.
      {
        method: request.method,
        url: request.url.split('?', 1)[0],
        status,
        response_time_ms: Math.round(reply.elapsedTime),
      },
      'request completed',
    );
  }
}
