/**
 * How many password-reset links one account may get (docs/decisions.md, "Erasure and
 * token binding"). A new link does not void the older ones, so a stranger asking for a
 * reset cannot cancel the link the owner is using; these bounds keep the mailbox and the
 * table small instead. Past either bound nothing is sent, and the answer stays 202.
 */
export const RESET_LINKS = {
  /** Lifetime of one link. */
  ttlMs: 30 * 60 * 1000,
  /** Unused, unexpired links an account may hold at once. */
  maxLive: 3,
  /** Links issued per account in a rolling hour window (counted in the shared store). */
  maxPerHour: 5,
  windowSeconds: 3600,
} as const;

export type ResetLinkRefusal = 'too_many_live' | 'hourly_limit';

/**
 * Whether a new reset link may be issued, given the account's live links and the links
 * issued in the current window including this one (null when the shared store could not
 * count: the live bound still holds).
 */
export function resetLinkRefusal(live: number, issuedThisWindow: number | null): ResetLinkRefusal | null {
  if (live >= RESET_LINKS.maxLive) return 'too_many_live';
  if (issuedThisWindow !== null && issuedThisWindow > RESET_LINKS.maxPerHour) return 'hourly_limit';
  return null;
}
