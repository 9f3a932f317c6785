import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestIdOf } from './request-id.js';

/** Paths whose values never reach a log line. */
export const REDACT_PATHS = [
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

/**
 * JSON logs through pino with the request id on every line. Request lines are written
 * at `debug` for successes (the hot path pays nothing at `info`), `warn` for 4xx and
 * `error` for 5xx.
 */
export function loggerParams(level: string, pretty: boolean): Params {
  return {
    // nestjs-pino's default route, '{/*splat}', becomes '/{/*splat}' inside @fastify/middie 9
    // and then matches no request at all: not one request line was logged until a test
    // looked. '{*splat}' matches every path.
    forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
    pinoHttp: {
      level,
      genReqId: (req: IncomingMessage) => requestIdOf(req),
      customAttributeKeys: { reqId: 'request_id' },
      quietReqLogger: true,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) => {
        if (err !== undefined || res.statusCode >= 500) return 'error';
        if (res.statusCode >= 400) return 'warn';
        return 'debug';
      },
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
      ...(pretty ? { transport: { target: 'pino-pretty', options: { singleLine: true } } } : {}),
    },
  };
}
