import { ValidateIf } from 'class-validator';

/**
 * Shared field rules for DTOs, so every route validates the same field the same way. The
 * patterns are written so that ECMAScript (class-validator), the OpenAPI document and other
 * regex dialects (Python's `re`, used by API fuzzers) read them alike: no `\p{...}` classes.
 */
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$/;
export const PHONE_PATTERN = /^\+?[0-9][0-9 ()-]{3,30}$/;
/** No control characters (Unicode category Cc: C0, DEL, C1) in free text. */
// eslint-disable-next-line no-control-regex -- the point of the pattern is to name them
export const NO_CONTROL_CHARS = /^[^\u0000-\u001F\u007F-\u009F]*$/;

/**
 * Free text that must show something: no control characters, and at least one character
 * that `String.prototype.trim` keeps (the whitespace class is ECMAScript's, written out).
 */
export const VISIBLE_TEXT_PATTERN =
  // eslint-disable-next-line no-control-regex -- the point of the pattern is to name them
  /^[^\u0000-\u001F\u007F-\u009F]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF][^\u0000-\u001F\u007F-\u009F]*$/;

/**
 * An optional field that may be left out but not set to null (class-validator's `IsOptional`
 * lets null through, which a NOT NULL column then refuses with a 500).
 */
export const OptionalNonNull = (): PropertyDecorator =>
  ValidateIf((_object: object, value: unknown) => value !== undefined);

/**
 * A query-string integer, strictly: digits with an optional sign only. `Number()` would read
 * `0x10`, `1e3`, ` 1` and `''` as numbers; anything else stays as given and fails `IsInt`.
 */
export const toStrictInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^[+-]?[0-9]{1,15}$/.test(value) ? Number(value) : value;
