import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/**
 * The domain's error model: a code from contract §1, never an HTTP exception.
 * The global filter maps the code to its status and body.
 */
export class AppException extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details: unknown = null,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message ?? ERROR_CODES[code].message);
    this.name = 'AppException';
    this.status = ERROR_CODES[code].status;
  }
}
