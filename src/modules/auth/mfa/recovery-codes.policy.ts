import { createHash, randomInt } from 'node:crypto';

/** Ten codes, shown once. */
const RECOVERY_CODE_COUNT = 10;
/** 32 symbols, 16 of them: 80 random bits per code, out of reach of an offline guess at its hash. */
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const LENGTH = 16;

/** A code as users see it: four groups of four (`k7pq-2mxa-...`). */
function newRecoveryCode(): string {
  let raw = '';
  for (let i = 0; i < LENGTH; i += 1) raw += ALPHABET[randomInt(ALPHABET.length)];
  return raw.match(/.{4}/g)?.join('-') ?? raw;
}

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
}

/**
 * The stored form: SHA-256 of the user id and the code without dashes, spaces or case, so a
 * code typed loosely still matches and the same code never hashes alike for two users.
 * 80 random bits need no slow hash.
 */
export function hashRecoveryCode(userId: string, code: string): string {
  const normalised = code.toLowerCase().replace(/[\s-]+/g, '');
  return createHash('sha256').update(`${userId}:${normalised}`).digest('hex');
}
