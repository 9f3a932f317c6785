import { ParseUUIDPipe } from '@nestjs/common';
import { AppException } from '../errors/app.exception.js';

/** A path id that must be a UUID; anything else is COMMON_1000 naming the parameter. */
export const UuidParam = (name: string): ParseUUIDPipe =>
  new ParseUUIDPipe({
    exceptionFactory: () =>
      new AppException('COMMON_1000', 'Validation failed', [{ field: name, errors: [`${name} must be a UUID`] }]),
  });
