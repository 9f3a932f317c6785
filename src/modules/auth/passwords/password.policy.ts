import { dictionary } from '@zxcvbn-ts/language-common';

export interface PasswordPolicy {
  minLength: number;
  requireClasses: boolean;
}

const PASSWORD_MAX_LENGTH = 128;

// 49k passwords seen in breaches (zxcvbn-ts' list), compared case-insensitively.
const COMMON = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));

export type PasswordRule = 'min_length' | 'max_length' | 'uppercase' | 'lowercase' | 'digit' | 'special' | 'common';

/** Every rule of contract §2's policy the password breaks; empty when it passes. Length counts code points. */
export function passwordViolations(password: string, policy: PasswordPolicy): PasswordRule[] {
  const violations: PasswordRule[] = [];
  const length = [...password].length;
  if (length < policy.minLength) violations.push('min_length');
  if (length > PASSWORD_MAX_LENGTH) violations.push('max_length');
  if (policy.requireClasses) {
    if (!/\p{Lu}/u.test(password)) violations.push('uppercase');
    if (!/\p{Ll}/u.test(password)) violations.push('lowercase');
    if (!/\p{Nd}/u.test(password)) violations.push('digit');
    if (!/[^\p{L}\p{Nd}]/u.test(password)) violations.push('special');
  }
  if (COMMON.has(password.toLowerCase())) violations.push('common');
  return violations;
}

export const PASSWORD_RULE_MESSAGES: Record<PasswordRule, string> = {
  min_length: 'is too short',
  max_length: `is longer than ${PASSWORD_MAX_LENGTH} characters`,
  uppercase: 'needs an upper-case letter',
  lowercase: 'needs a lower-case letter',
  digit: 'needs a digit',
  special: 'needs a character that is neither a letter nor a digit',
  common: 'is a commonly used password',
};
