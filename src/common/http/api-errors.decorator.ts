import { ApiExtension, ApiProperty } from '@nestjs/swagger';
import { ERROR_CODES, type ErrorCode } from '../errors/error-codes.js';

/** The error body of contract §1. Every error answer of every route is documented with it (see openapi.ts). */
export class ErrorBodyDto {
  @ApiProperty({ enum: Object.keys(ERROR_CODES), example: 'COMMON_1000' }) error_code!: string;
  @ApiProperty({ example: 'Validation failed' }) message!: string;
  @ApiProperty({
    nullable: true,
    description: 'structured detail, e.g. the failing fields',
    oneOf: [
      { type: 'object', additionalProperties: true },
      { type: 'array', items: {} },
    ],
  })
  details!: unknown;
  @ApiProperty({ format: 'date-time' }) timestamp!: string;
  @ApiProperty({ example: '6f1c2f0e-0d8a-4c52-9a8e-0c7d5b1e4a11', pattern: '^[A-Za-z0-9._:-]{1,128}$' })
  request_id!: string;
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
