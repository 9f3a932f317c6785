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

/**
 * The code points of the Basic Multilingual Plane (surrogates left out) whose NFKC form
 * `test` accepts (the policy judges the normalised password), as the body of a character
 * class of `\uXXXX` ranges.
 */
function bmpClass(test: RegExp): string {
  const hex = (c: number): string => `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
  const parts: string[] = [];
  let start = -1;
  for (let c = 0; c <= 0x10000; c++) {
    const inside = c < 0x10000 && (c < 0xd800 || c > 0xdfff) && test.test(String.fromCharCode(c).normalize('NFKC'));
    if (inside && start < 0) start = c;
    if (!inside && start >= 0) {
      parts.push(start === c - 1 ? hex(start) : `${hex(start)}-${hex(c - 1)}`);
      start = -1;
    }
  }
  return parts.join('');
}

/**
 * The policy as JSON Schema keywords for the OpenAPI document, so a client (or a fuzzer) can
 * build a password the service takes: the length bounds and, with the character classes on, a
 * pattern of one lookahead per class. The classes are Unicode's (\p{Lu}, \p{Ll}, \p{Nd}) as
 * the policy applies them, after NFKC, written out as ranges of the Basic Multilingual Plane so
 * that every regex dialect reads them alike. Not said, because no schema can: the
 * common-password list, characters outside the BMP, and lengths changed by normalisation
 * (USER_1103 names the rule broken).
 */
export function passwordSchema(policy: PasswordPolicy): { minLength: number; maxLength: number; pattern?: string } {
  const bounds = { minLength: policy.minLength, maxLength: PASSWORD_MAX_LENGTH };
  if (!policy.requireClasses) return bounds;
  return { ...bounds, pattern: (classesPattern ??= buildClassesPattern()) };
}

/** Built once per process (a walk of the BMP, some 100 ms): it depends on no setting. */
let classesPattern: string | undefined;

function buildClassesPattern(): string {
  const lookahead = (body: string): string => `(?=[\\s\\S]*[${body}])`;
  return (
    '^' +
    lookahead(bmpClass(/\p{Lu}/u)) +
    lookahead(bmpClass(/\p{Ll}/u)) +
    lookahead(bmpClass(/\p{Nd}/u)) +
    // A symbol: any character but one that normalises to letters and digits only.
    lookahead(`^${bmpClass(/^[\p{L}\p{Nd}]+$/u)}`)
  );
}
