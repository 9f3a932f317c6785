/** Pure lockout rules (DESIGN §6), kept apart from storage so they are unit-tested alone. */
export interface LockoutPolicy {
  maxAttempts: number;
  durationSeconds: number;
}

/** The key every pod counts failures under: one per email (or username when no email was given). */
export function lockoutSubject(login: { email?: string; username?: string }): string {
  if (login.email !== undefined) return `e:${login.email.trim().toLowerCase()}`;
  return `u:${(login.username ?? '').trim().toLowerCase()}`;
}

/** Should this failure lock the subject? Exactly at the threshold, so the lock is recorded once. */
export function locksNow(failures: number, policy: LockoutPolicy): boolean {
  return failures === policy.maxAttempts;
}

/** Retry-After in whole seconds, at least 1. */
export function retryAfterSeconds(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs / 1000));
}
