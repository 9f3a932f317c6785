/** Shared field rules for DTOs, so every route validates the same field the same way. */
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$/;
export const PHONE_PATTERN = /^\+?[0-9][0-9 ()-]{3,30}$/;
/** No control characters (C0, DEL, C1) in free text. */
export const NO_CONTROL_CHARS = /^[^\p{Cc}]*$/u;
export const UUID_V4ISH = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
