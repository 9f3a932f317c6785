/** Every error code of contract §1, with its HTTP status and default message. */
export const ERROR_CODES = {
  USER_1001: { status: 401, message: 'Invalid credentials' },
  USER_1002: { status: 403, message: 'Account disabled' },
  USER_1003: { status: 423, message: 'Account locked' },
  USER_1004: { status: 403, message: 'Email not verified' },
  USER_1005: { status: 401, message: 'Token expired' },
  USER_1006: { status: 401, message: 'Token invalid or revoked' },
  USER_1007: { status: 400, message: 'Token invalid or expired' },
  USER_1101: { status: 404, message: 'User not found' },
  USER_1102: { status: 409, message: 'Email already registered' },
  USER_1103: { status: 400, message: 'Password does not meet the policy' },
  USER_1104: { status: 400, message: 'Invalid email format' },
  USER_1105: { status: 409, message: 'Username taken' },
  USER_1106: { status: 400, message: 'Password was used recently' },
  USER_1201: { status: 404, message: 'Session not found' },
  // Added after the first error table: a learning goal id that is unknown or not this user's (docs/decisions.md).
  USER_1301: { status: 404, message: 'Learning goal not found' },
  // The second factor (docs/decisions.md, "Issue 14").
  USER_1401: { status: 401, message: 'MFA code invalid' },
  USER_1402: { status: 403, message: 'MFA enrollment required' },
  USER_1403: { status: 409, message: 'MFA already active' },
  USER_1404: { status: 400, message: 'MFA not active' },
  // The OpenID provider (docs/decisions.md, "OpenID Connect provider (issue 17)").
  OAUTH_1001: { status: 404, message: 'OAuth client not found' },
  OAUTH_1002: { status: 409, message: 'OAuth client id taken' },
  OAUTH_1003: { status: 409, message: 'OAuth client is public: it has no secret' },
  OAUTH_1004: { status: 400, message: 'Sign-in interaction unknown or expired' },
  COMMON_1000: { status: 400, message: 'Validation failed' },
  COMMON_1001: { status: 401, message: 'Authentication required' },
  COMMON_1003: { status: 403, message: 'Forbidden' },
  COMMON_1004: { status: 404, message: 'Route not found' },
  COMMON_1029: { status: 429, message: 'Too many requests' },
  // Added after the first error table, so every 4xx has a code (docs/decisions.md).
  COMMON_1400: { status: 400, message: 'Malformed request body' },
  COMMON_1405: { status: 405, message: 'Method not allowed' },
  // Answered by the HTTP parser's client-error handler (common/http/client-error.ts).
  COMMON_1408: { status: 408, message: 'Request timeout' },
  COMMON_1413: { status: 413, message: 'Request body too large' },
  COMMON_1414: { status: 414, message: 'URI too long' },
  COMMON_1415: { status: 415, message: 'Unsupported media type' },
  COMMON_1431: { status: 431, message: 'Request header fields too large' },
  COMMON_1500: { status: 500, message: 'Internal server error' },
  COMMON_1503: { status: 503, message: 'A dependency is unavailable' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorBody {
  error_code: ErrorCode;
  message: string;
  details: unknown;
  timestamp: string;
  request_id: string;
}
