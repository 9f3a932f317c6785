import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const REQUEST_ID = Symbol('requestId');
const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;

type WithId = IncomingMessage & { [REQUEST_ID]?: string };

/**
 * The request id of one request: the caller's `X-Request-Id` when it is sane, else a
 * new UUID. Cached on the raw request so Fastify, pino and the error filter agree.
 */
export function requestIdOf(raw: IncomingMessage): string {
  const req = raw as WithId;
  if (req[REQUEST_ID] !== undefined) return req[REQUEST_ID];
  const header = req.headers['x-request-id'];
  const candidate = Array.isArray(header) ? header[0] : header;
  const id = candidate !== undefined && VALID_ID.test(candidate) ? candidate : randomUUID();
  req[REQUEST_ID] = id;
  return id;
}
