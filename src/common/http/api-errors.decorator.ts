import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';
import { ERROR_CODES, type ErrorCode } from '../errors/error-codes.js';

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
  @ApiProperty({ example: '6f1c2f0e-0d8a-4c52-9a8e-0c7d5b1e4a11' }) request_id!: string;
}

/** Documents the error answers of a route, grouped by status, with the shared error body. */
export function ApiErrors(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const all: ErrorCode[] = [...new Set<ErrorCode>([...codes, 'COMMON_1029', 'COMMON_1500', 'COMMON_1503'])];
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of all) {
    const status = ERROR_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ...[...byStatus].map(([status, list]) =>
      ApiResponse({
        status,
        description: list.map((c) => `${c}: ${ERROR_CODES[c].message}`).join('; '),
        type: ErrorBodyDto,
      }),
    ),
  );
}
