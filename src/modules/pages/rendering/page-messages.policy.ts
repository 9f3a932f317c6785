import type { ErrorCode } from '#src/common/errors/error-codes.js';
import type { PageError } from './page.js';

/**
 * What a page says for an error code: plain words for people, the same words for an
 * unknown account and a wrong password (USER_1001 covers both), so the sign-in page tells
 * no more than POST /auth/login does.
 */
const MESSAGES: Partial<Record<ErrorCode, string>> = {
  USER_1001: 'The email or username and password do not match an account.',
  USER_1002: 'This account is disabled.',
  USER_1003: 'Too many failed attempts: the account is locked for a while. Try again later.',
  USER_1004: 'Confirm your email address first: follow the link we mailed you.',
  USER_1006: 'The sign-in took too long or was already used. Start again.',
  USER_1007: 'This link is not valid any more: it was used already or it expired. Ask for a new one.',
  USER_1101: 'The account no longer exists.',
  USER_1105: 'That username is taken.',
  USER_1106: 'Choose a password you have not used recently.',
  USER_1201: 'That session is not one of yours, or it has already ended.',
  USER_1401: 'That code is not right. Check the app and try again.',
  USER_1402: 'Your role requires two-step verification: set it up on your account page first.',
  USER_1403: 'Two-step verification is already on.',
  USER_1404: 'Set up two-step verification first.',
  COMMON_1000: 'The form was incomplete or not valid.',
  COMMON_1003: 'The form expired or did not come from this site: reload the page and try again.',
  COMMON_1004: 'There is no page here.',
  COMMON_1029: 'Too many attempts from your network. Wait a minute and try again.',
  COMMON_1413: 'The form was too large.',
  COMMON_1415: 'The form was sent in a way this page does not accept.',
  COMMON_1503: 'The service is busy or partly unavailable. Try again shortly.',
};

const FALLBACK = 'Something went wrong on our side. Try again shortly.';

export function pageMessageOf(code: ErrorCode, status: number): string {
  return MESSAGES[code] ?? (status >= 500 ? FALLBACK : 'The request could not be handled.');
}

/** The policy's refusals (USER_1103 details.messages), one line each, linked to the password field. */
export function passwordPolicyErrors(details: unknown, field: string): PageError[] {
  const messages = (details as { messages?: unknown } | null)?.messages;
  const lines = Array.isArray(messages) ? messages.filter((m): m is string => typeof m === 'string') : [];
  if (lines.length === 0) return [{ message: 'The new password does not meet the policy.', field }];
  return lines.map((line) => ({ message: `The new ${line}.`, field }));
}

/** The policy in one sentence, for the hint above a new-password field. */
export function passwordPolicyHint(policy: { minLength: number; requireClasses: boolean }): string {
  const classes = policy.requireClasses ? ', with an upper-case and a lower-case letter, a digit and a symbol' : '';
  return `At least ${policy.minLength} characters${classes}; not a common password, nor one of your recent ones.`;
}
