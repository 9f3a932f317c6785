import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Client secrets are generated here (256 bits) and stored as their SHA-256: a secret this
 * long cannot be guessed, so a slow hash would add cost without adding safety (a password
 * hash exists because people choose guessable passwords; nobody chooses these).
 */
export function newClientSecret(): { secret: string; hash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, hash: clientSecretHash(secret) };
}

function clientSecretHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares a presented secret with the stored hash in constant time. */
export function clientSecretMatches(storedHash: string, presented: string): boolean {
  const presentedHash = Buffer.from(clientSecretHash(presented), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presentedHash.length && timingSafeEqual(stored, presentedHash);
}
