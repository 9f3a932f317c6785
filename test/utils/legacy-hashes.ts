import { pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { Algorithm, hash as argon2Hash } from '@node-rs/argon2';
import { hash as bcryptHash } from '@node-rs/bcrypt';

/** Parameters of a hash in one of the imported formats, as another system would have stored it. */
export type LegacyHashSpec =
  | { algorithm: 'bcrypt'; cost: number }
  | { algorithm: 'pbkdf2'; digest: 'sha1' | 'sha256' | 'sha512'; iterations: number }
  | { algorithm: 'scrypt'; n: number; r: number; p: number }
  | { algorithm: 'argon2id' | 'argon2i'; memoryKib: number; timeCost: number; parallelism: number };

const KEY_BYTES = { sha1: 20, sha256: 32, sha512: 64 } as const;

export const describeSpec = (spec: LegacyHashSpec): string => {
  switch (spec.algorithm) {
    case 'bcrypt':
      return `bcrypt cost ${spec.cost}`;
    case 'pbkdf2':
      return `pbkdf2:${spec.digest}:${spec.iterations}`;
    case 'scrypt':
      return `scrypt:${spec.n}:${spec.r}:${spec.p}`;
    case 'argon2id':
    case 'argon2i':
      return `${spec.algorithm} m=${spec.memoryKib},t=${spec.timeCost},p=${spec.parallelism}`;
  }
};

/**
 * A real hash of `password` with these parameters, in the exact format its reference tool
 * writes (werkzeug's `method$salt$hex`, bcrypt's `$2b$`, argon2's PHC string). Costs as
 * much to make as one verify.
 */
export async function makeLegacyHash(spec: LegacyHashSpec, password: string): Promise<string> {
  const salt = randomBytes(12).toString('base64url').replace(/[-_]/g, 'x');
  switch (spec.algorithm) {
    case 'bcrypt':
      return bcryptHash(password, spec.cost);
    case 'pbkdf2': {
      const key = pbkdf2Sync(password, salt, spec.iterations, KEY_BYTES[spec.digest], spec.digest);
      return `pbkdf2:${spec.digest}:${spec.iterations}$${salt}$${key.toString('hex')}`;
    }
    case 'scrypt': {
      const maxmem = 132 * spec.n * spec.r * spec.p;
      const key = scryptSync(password, salt, 64, { N: spec.n, r: spec.r, p: spec.p, maxmem });
      return `scrypt:${spec.n}:${spec.r}:${spec.p}$${salt}$${key.toString('hex')}`;
    }
    case 'argon2id':
    case 'argon2i':
      return argon2Hash(password, {
        algorithm: spec.algorithm === 'argon2id' ? Algorithm.Argon2id : Algorithm.Argon2i,
        memoryCost: spec.memoryKib,
        timeCost: spec.timeCost,
        parallelism: spec.parallelism,
      });
  }
}

/** The dearest hash of each format and digest that HASH_LIMITS accepts. */
export const AT_LIMIT: LegacyHashSpec[] = [
  { algorithm: 'bcrypt', cost: 12 },
  { algorithm: 'pbkdf2', digest: 'sha256', iterations: 1_000_000 },
  { algorithm: 'pbkdf2', digest: 'sha1', iterations: 1_000_000 },
  { algorithm: 'pbkdf2', digest: 'sha512', iterations: 350_000 },
  { algorithm: 'scrypt', n: 65536, r: 8, p: 1 },
  { algorithm: 'argon2id', memoryKib: 65536, timeCost: 3, parallelism: 4 },
  { algorithm: 'argon2i', memoryKib: 65536, timeCost: 3, parallelism: 1 },
];

/** The attack of issue 11: hashes that cost seconds per verify, as the import used to accept. */
export const ABOVE_LIMIT_STRINGS: { label: string; hash: string }[] = [
  { label: 'bcrypt cost 15', hash: `$2b$15$${'a'.repeat(53)}` },
  { label: 'pbkdf2:sha256:10000000', hash: `pbkdf2:sha256:10000000$salt$${'0'.repeat(64)}` },
  { label: 'argon2id m=262144,t=10', hash: '$argon2id$v=19$m=262144,t=10,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo' },
  { label: 'scrypt:1048576:8:1', hash: `scrypt:1048576:8:1$salt$${'0'.repeat(128)}` },
];
