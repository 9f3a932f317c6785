import { HttpException } from '@nestjs/common';
import { AppException } from './app.exception.js';
import { ERROR_CODES, type ErrorCode } from './error-codes.js';

export interface MappedError {
  status: number;
  code: ErrorCode;
  message: string;
  details: unknown;
  headers: Record<string, string>;
  /** true when the error is ours to log as a failure (5xx). */
  unexpected: boolean;
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'COMMON_1400',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'COMMON_1400',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'COMMON_1400',
  FST_ERR_CTP_BODY_TOO_LARGE: 'COMMON_1413',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'COMMON_1415',
};

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'COMMON_1000',
  401: 'COMMON_1001',
  403: 'COMMON_1003',
  404: 'COMMON_1004',
  405: 'COMMON_1405',
  413: 'COMMON_1413',
  415: 'COMMON_1415',
  429: 'COMMON_1029',
  503: 'COMMON_1503',
};

/** Connection-level failures of PostgreSQL or the pool: the dependency is down. */
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);
const UNAVAILABLE_SQLSTATE = /^(08|57P0|53)/; // connection exception, admin shutdown, insufficient resources
/** Text PostgreSQL cannot store (NUL, bytes invalid in UTF-8): the client's input, not our fault. */
const UNSTORABLE_TEXT_SQLSTATE = new Set(['22021', '22P05']);

function sqlStateOf(error: object): unknown {
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  return e.driverError?.code ?? e.code;
}

function fromCode(code: ErrorCode, message?: string, details: unknown = null): MappedError {
  return {
    status: ERROR_CODES[code].status,
    code,
    message: message ?? ERROR_CODES[code].message,
    details,
    headers: {},
    unexpected: ERROR_CODES[code].status >= 500 && code !== 'COMMON_1503',
  };
}

function isDependencyUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; message?: unknown; driverError?: unknown };
  if (e.driverError !== undefined && isDependencyUnavailable(e.driverError)) return true;
  if (typeof e.code === 'string' && (UNAVAILABLE_ERRNO.has(e.code) || UNAVAILABLE_SQLSTATE.test(e.code))) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Driver not Connected|Cannot use a pool after calling end|Connection refused|canceling statement due to statement timeout|the database system is (starting up|shutting down)/i.test(
    message,
  );
}

function fastifyCodeOf(error: unknown): ErrorCode | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? FASTIFY_CODES[code] : undefined;
}

/** Maps anything thrown to the error body of contract §1. Unknown errors leak nothing. */
export function mapError(exception: unknown): MappedError {
  if (exception instanceof AppException) {
    return { ...fromCode(exception.code, exception.message, exception.details), headers: exception.headers };
  }
  const fastifyCode = fastifyCodeOf(exception instanceof HttpException ? exception.cause : exception);
  if (fastifyCode !== undefined) {
    return fromCode(
      fastifyCode,
      undefined,
      fastifyCode === 'COMMON_1400' ? { reason: 'body is not valid JSON' } : null,
    );
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code = STATUS_CODES[status] ?? (status >= 500 ? 'COMMON_1500' : 'COMMON_1000');
    const mapped = fromCode(code, status === 404 ? undefined : ERROR_CODES[code].message);
    return { ...mapped, status: ERROR_CODES[code].status };
  }
  if (typeof exception === 'object' && exception !== null) {
    const e = exception as { code?: unknown; statusCode?: unknown; message?: unknown };
    if (isDependencyUnavailable(exception)) return fromCode('COMMON_1503');
    const sqlState = sqlStateOf(exception);
    if (typeof sqlState === 'string' && UNSTORABLE_TEXT_SQLSTATE.has(sqlState)) {
      return fromCode('COMMON_1000', undefined, [
        { field: '(input)', errors: ['contains a character that cannot be stored'] },
      ]);
    }
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      return fromCode(STATUS_CODES[e.statusCode] ?? 'COMMON_1000');
    }
  }
  return fromCode('COMMON_1500');
}
