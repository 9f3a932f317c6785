import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody, ErrorCode } from '../errors/error-codes.js';
import { ERROR_CODES } from '../errors/error-codes.js';
import { requestIdOf } from './request-id.js';

function errorBody(code: ErrorCode, requestId: string, details: unknown = null): ErrorBody {
  return {
    error_code: code,
    message: ERROR_CODES[code].message,
    details,
    timestamp: new Date().toISOString(),
    request_id: requestId,
  };
}

/**
 * The security headers of an answer no route or hook gave (Helmet runs in an onRequest hook,
 * after the router and the HTTP parser): a JSON error needs no more than these.
 */
const BARE_SECURITY_HEADERS: Record<string, string> = {
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
};

const FRAMEWORK_CODES: Record<string, ErrorCode> = {
  FST_ERR_BAD_URL: 'COMMON_1400', // a malformed percent-encoding in the path
  FST_ERR_MAX_PARAM_LENGTH: 'COMMON_1414', // a path parameter over the router's 256 characters
};

/**
 * Fastify's `frameworkErrors`: the router's own refusals, which happen before any route (and
 * so before Nest's exception filter), answer with the contract's error body too (contract §1).
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const code = FRAMEWORK_CODES[error.code] ?? 'COMMON_1500';
  const requestId = requestIdOf(request.raw);
  void reply
    .code(ERROR_CODES[code].status)
    .headers(BARE_SECURITY_HEADERS)
    .header('x-request-id', requestId)
    .send(errorBody(code, requestId, code === 'COMMON_1400' ? { reason: 'malformed URL' } : null));
}

/**
 * Fastify's `clientErrorHandler`: a request Node's HTTP parser refuses (a CR or LF inside a
 * header, a malformed request line, headers over the size limit, a request that never
 * finished) gets the contract's error body too (contract §1), instead of Fastify's own
 * `{"error","message","statusCode"}`. No route ran, so the request id is a new one.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code: ErrorCode =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? 'COMMON_1408'
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? 'COMMON_1431'
        : 'COMMON_1400';
  const { status, message } = ERROR_CODES[code];
  const requestId = randomUUID();
  const json = JSON.stringify(
    errorBody(code, requestId, code === 'COMMON_1400' ? { reason: 'malformed HTTP request' } : null),
  );
  const security = Object.entries(BARE_SECURITY_HEADERS)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${message}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(json)}\r\nX-Request-Id: ${requestId}\r\n${security}Connection: close\r\n\r\n${json}`,
    );
  }
  socket.destroy(error);
}
