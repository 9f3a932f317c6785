import { createHash, randomBytes } from 'node:crypto';

/** An opaque token of 256 random bits, URL-safe. */
export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Tokens are stored only as SHA-256: they are high-entropy, so no salt or slow hash is needed. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The shape of every opaque token this service issues (43 characters today; a margin either side). */
const OPAQUE_TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,128}$/;

/** Could this be a token the service issued? Anything else is refused without a lookup. */
export function isOpaqueTokenShape(token: string): boolean {
  return OPAQUE_TOKEN_SHAPE.test(token);
}
