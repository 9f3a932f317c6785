import { USERNAME_PATTERN } from '#src/common/http/dto-rules.js';

/**
 * The one canonical form of what names an account (email, username) and of a password, used
 * by sign-up, every lookup and the lockout keys alike, so that no two spellings of one
 * account are counted, found or stored apart (docs/decisions.md, "Identifiers and Unicode").
 *
 * NFKC folds compatibility forms (fullwidth letters, ligatures) and composes accents;
 * lower-casing is JavaScript's, done here and never by PostgreSQL's `lower()`, whose
 * answer for some letters (U+0130 `İ`) differs. NFKC runs again after lower-casing, which can
 * leave a decomposed sequence behind.
 */
export function canonicalIdentifier(raw: string): string {
  return raw.normalize('NFKC').trim().toLowerCase().normalize('NFKC');
}

/**
 * The canonical username, or null when no account can have it: sign-up accepts only
 * USERNAME_PATTERN (ASCII), so anything else is looked up nowhere and counts as unknown.
 */
export function canonicalUsername(raw: string): string | null {
  const name = canonicalIdentifier(raw);
  return USERNAME_PATTERN.test(name) ? name : null;
}

/** Passwords are compared in NFKC (NIST SP 800-63B §5.1.1.2): the same text typed on any keyboard. */
export function canonicalPassword(raw: string): string {
  return raw.normalize('NFKC');
}
