import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { AppException } from '../errors/app.exception.js';

export interface FieldError {
  field: string;
  errors: string[];
}

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix === '' ? e.property : `${prefix}.${e.property}`;
    const own = e.constraints === undefined ? [] : [{ field, errors: Object.values(e.constraints) }];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** At most this many fields are listed in one COMMON_1000 answer; the rest are counted. */
export const MAX_LISTED_ERRORS = 5;

/**
 * The first MAX_LISTED_ERRORS field errors, then one `(more)` entry saying how many were left
 * out: the answer to a body with many wrong fields stays small (docs/decisions.md).
 */
export function capFieldErrors(errors: FieldError[], max = MAX_LISTED_ERRORS): FieldError[] {
  if (errors.length <= max) return errors;
  return [...errors.slice(0, max), { field: '(more)', errors: [`…and ${errors.length - max} more`] }];
}

/** Global validation: unknown fields are refused; failures become COMMON_1000 with the fields in `details`. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new AppException('COMMON_1000', 'Validation failed', capFieldErrors(flatten(errors))),
  });
}
