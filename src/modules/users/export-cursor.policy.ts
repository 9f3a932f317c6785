/**
 * The cursor of the users export (GET /api/v1/users/export): opaque to clients, and able to
 * carry nothing but a user id. It is base64url (no padding) of one version byte followed by
 * the 16 bytes of the last id of the previous page, so exactly 23 characters; anything that
 * does not decode to that, canonically, is refused before it reaches a query.
 */
const CURSOR_VERSION = 1;
const ID_BYTES = 16;
/**
 * Exactly the cursors that decode: `A` and one of `Q`-`f` spell the version byte 1 (and the id's
 * first 4 bits), and the last character carries 4 bits and 2 zero bits. So a schema-valid
 * cursor is always accepted and the OpenAPI document says precisely what the route takes.
 */
export const EXPORT_CURSOR_PATTERN = /^A[Q-Za-f][A-Za-z0-9_-]{20}[AEIMQUYcgkosw048]$/;

export function encodeExportCursor(userId: string): string {
  const hex = userId.replaceAll('-', '');
  return Buffer.concat([Buffer.of(CURSOR_VERSION), Buffer.from(hex, 'hex')]).toString('base64url');
}

/** The user id a cursor carries, or null when it is not one this service issued (in form). */
export function decodeExportCursor(cursor: string): string | null {
  if (!EXPORT_CURSOR_PATTERN.test(cursor)) return null;
  const bytes = Buffer.from(cursor, 'base64url');
  // Canonical only: the last character's unused bits must be zero, so one id has one cursor.
  if (bytes.length !== ID_BYTES + 1 || bytes[0] !== CURSOR_VERSION || bytes.toString('base64url') !== cursor) {
    return null;
  }
  const hex = bytes.subarray(1).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
