import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig, JwtAlgorithm } from '#src/config/app-config.js';

interface VerificationKey {
  kid: string;
  algorithm: JwtAlgorithm;
  key: KeyObject;
}

export interface SigningKeys {
  algorithm: JwtAlgorithm;
  kid: string;
  signingKey: KeyObject;
  /** Current and previous keys, by kid: tokens signed before a rotation keep verifying. */
  verification: Map<string, VerificationKey>;
  /** Public JWKs (current and previous) for /.well-known/jwks.json; empty for HS256. */
  jwks: Record<string, unknown>[];
}

/** RFC 7638 thumbprint: a stable kid derived from the public key itself. */
export function thumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  const members =
    jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

function algorithmOf(key: KeyObject): JwtAlgorithm {
  return key.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256';
}

function toJwk(entry: VerificationKey): Record<string, unknown> {
  return { ...(entry.key.export({ format: 'jwk' }) as object), kid: entry.kid, alg: entry.algorithm, use: 'sig' };
}

/** Reads a dev key from DATA_DIR, or generates and keeps it there (never in production). */
function devKey(config: AppConfig, file: string, generate: () => string): string {
  const dir = join(config.dataDir, 'keys');
  const path = join(dir, file);
  if (existsSync(path)) return readFileSync(path, 'utf8');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const material = generate();
  writeFileSync(path, material, { mode: 0o600 });
  return material;
}

/**
 * Keys as KeyObjects, parsed once: with PEM strings jsonwebtoken re-parses on every call
 * (about 50x slower verifies). Configured keys win; outside production, missing keys are
 * generated under DATA_DIR/keys so `npm start` works on a fresh clone.
 */
export function loadSigningKeys(config: AppConfig): SigningKeys {
  const { algorithm } = config.jwt;
  if (algorithm === 'HS256') {
    const secret = config.jwt.secret ?? devKey(config, 'hs256.secret', () => randomBytes(48).toString('base64url'));
    const key = createSecretKey(Buffer.from(secret, 'utf8'));
    const kid = createHash('sha256').update(secret).digest('base64url').slice(0, 16);
    return { algorithm, kid, signingKey: key, verification: new Map([[kid, { kid, algorithm, key }]]), jwks: [] };
  }
  const privatePem =
    config.jwt.privateKey ??
    devKey(config, `${algorithm.toLowerCase()}-private.pem`, () => {
      const pair =
        algorithm === 'ES256'
          ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
          : generateKeyPairSync('rsa', { modulusLength: 2048 });
      return pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    });
  const signingKey = createPrivateKey(privatePem);
  if (algorithmOf(signingKey) !== algorithm) {
    throw new Error(`JWT_PRIVATE_KEY: a ${signingKey.asymmetricKeyType ?? 'unknown'} key cannot sign ${algorithm}`);
  }
  const publicKey =
    config.jwt.publicKey === undefined ? createPublicKey(signingKey) : createPublicKey(config.jwt.publicKey);
  const derived = createPublicKey(signingKey).export({ type: 'spki', format: 'der' });
  if (!derived.equals(publicKey.export({ type: 'spki', format: 'der' }))) {
    throw new Error('JWT_PUBLIC_KEY: does not match JWT_PRIVATE_KEY');
  }
  const current: VerificationKey = { kid: thumbprint(publicKey), algorithm, key: publicKey };
  const verification = new Map([[current.kid, current]]);
  for (const pem of config.jwt.previousPublicKeys) {
    const key = createPublicKey(pem);
    const entry: VerificationKey = { kid: thumbprint(key), algorithm: algorithmOf(key), key };
    verification.set(entry.kid, entry);
  }
  return { algorithm, kid: current.kid, signingKey, verification, jwks: [...verification.values()].map(toJwk) };
}
