import { ApiExtension, ApiProperty } from '@nestjs/swagger';
import { ERROR_CODES, type ErrorBody, type ErrorCode } from '../errors/error-codes.js';

/** The error body of contract §1. Every error answer of every route is documented with it (see openapi.ts). */
export class ErrorBodyDto {
  @ApiProperty({ enum: Object.keys(ERROR_CODES), description: 'one of the codes of contract §1' })
  error_code!: string;
  @ApiProperty({ description: "the code's default message, or a more precise one" }) message!: string;
  // Null, an object or an array: each branch carries its own type and `nullable`, as OpenAPI
  // 3.0 wants (`nullable` without a `type` beside it means nothing to validators). Always
  // sent, but not listed as required: a required property whose schema is an anyOf gets a
  // non-optional type in openapi-generator's python client, which then refuses null
  // (docs/decisions.md, "Generated clients").
  @ApiProperty({
    required: false,
    description:
      'structured detail (the failing fields, the broken password rules, the seconds to wait); always present, null for most codes',
    anyOf: [
      { type: 'object', additionalProperties: true, nullable: true },
      { type: 'array', items: {}, nullable: true },
    ],
  })
  details!: unknown;
  @ApiProperty({ format: 'date-time' }) timestamp!: string;
  @ApiProperty({ example: '6f1c2f0e-0d8a-4c52-9a8e-0c7d5b1e4a11', pattern: '^[A-Za-z0-9._:-]{1,128}$' })
  request_id!: string;
}

/** What `details` holds for the codes that carry any (null for the others), as the code writes it. */
const EXAMPLE_DETAILS: Partial<Record<ErrorCode, unknown>> = {
  COMMON_1000: [{ field: 'email', errors: ['email must be an email'] }],
  COMMON_1029: { retry_after_seconds: 42 },
  USER_1003: { retry_after_seconds: 840 },
  USER_1103: {
    rules: ['digit', 'common'],
    messages: ['password needs a digit', 'password is a commonly used password'],
  },
};

/** An example error body of one code, as the error filter writes it. */
export function errorExample(code: ErrorCode): ErrorBody {
  return {
    error_code: code,
    message: ERROR_CODES[code].message,
    details: EXAMPLE_DETAILS[code] ?? null,
    timestamp: '2026-01-01T12:00:00.000Z',
    request_id: '6f1c2f0e-0d8a-4c52-9a8e-0c7d5b1e4a11',
  };
}

/** The operation extension that carries a route's own error codes to `finalizeOpenApi`. */
export const ERROR_CODES_EXTENSION = 'x-error-codes';

/**
 * The error answers particular to a route (USER_1101, USER_1103...). The ones every route of
 * its kind can give (validation, malformed bodies, authentication, roles, rate limits,
 * dependency outages) are added by `finalizeOpenApi` from the route's own metadata, and each
 * status is documented with the error body whose `error_code` is one of the listed codes.
 */
export function ApiErrors(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  return ApiExtension(ERROR_CODES_EXTENSION, [...new Set(codes)]);
}
