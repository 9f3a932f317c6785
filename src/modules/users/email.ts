import { isEmail } from 'class-validator';
import { AppException } from '#src/common/errors/app.exception.js';
import { canonicalIdentifier } from '#src/common/text/identifiers.js';

/** The canonical email (common/text/identifiers.ts), or USER_1104 when it is not one. */
export function normaliseEmail(raw: string): string {
  const email = canonicalIdentifier(raw);
  if (!isEmail(email, { allow_utf8_local_part: true, require_tld: true }) || email.length > 320) {
    throw new AppException('USER_1104');
  }
  return email;
}
