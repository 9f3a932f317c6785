import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { AppException } from '../errors/app.exception.js';

interface FieldError {
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

/** Global validation: unknown fields are refused; failures become COMMON_1000 with the fields in `details`. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new AppException('COMMON_1000', 'Validation failed', flatten(errors)),
  });
}
