import { canonicalIdentifier, canonicalUsername } from '#src/common/text/identifiers.js';

/** Pure lockout rules (contract §2), kept apart from storage so they are unit-tested alone. */
export interface LockoutPolicy {
  maxAttempts: number;
  durationSeconds: number;
}

/**
 * The key failures count under once the account is found: one per account, whichever
 * email or username spelling found it and whichever route checked the password.
 */
export function accountSubject(userId: string): string {
  return `a:${userId}`;
}

/**
 * The key for an identifier that names no account, so guessing at unknown accounts locks the
 * same way (and a lock tells nothing about existence). Canonical like every lookup.
 */
export function identifierSubject(login: { email?: string; username?: string }): string {
  if (login.email !== undefined) return `e:${canonicalIdentifier(login.email)}`;
  const raw = login.username ?? '';
  return `u:${canonicalUsername(raw) ?? canonicalIdentifier(raw)}`;
}

/** Every key an account's failures may sit under: admin unlock and password reset clear them all. */
export function subjectsOf(user: { id: string; email: string; username: string | null }): string[] {
  const subjects = [accountSubject(user.id), identifierSubject({ email: user.email })];
  if (user.username !== null) subjects.push(identifierSubject({ username: user.username }));
  return subjects;
}

/** Should this failure lock the subject? Exactly at the threshold, so the lock is recorded once. */
export function locksNow(failures: number, policy: LockoutPolicy): boolean {
  return failures === policy.maxAttempts;
}

/** Retry-After in whole seconds, at least 1. */
export function retryAfterSeconds(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs / 1000));
}
