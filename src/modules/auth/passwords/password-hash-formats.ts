import { pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify(scrypt) as (
  password: Buffer,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

export type HashAlgorithm = 'argon2id' | 'argon2i' | 'bcrypt' | 'pbkdf2' | 'scrypt';

/** werkzeug's `hashlib.pbkdf2_hmac` digests we accept, with their output length in bytes. */
const PBKDF2_DIGESTS = { sha1: 20, sha256: 32, sha512: 64 } as const;
type Pbkdf2Digest = keyof typeof PBKDF2_DIGESTS;

/** werkzeug's scrypt uses hashlib's default dklen. */
const SCRYPT_KEY_LENGTH = 64;

/** Upper bounds on the parameters of a stored hash (see HASH_LIMITS). */
export interface HashLimits {
  readonly argon2MemoryKib: number;
  readonly argon2Work: number;
  readonly argon2Parallelism: number;
  readonly bcryptCost: number;
  readonly pbkdf2Iterations: Readonly<Record<Pbkdf2Digest, number>>;
  readonly scryptMemoryBytes: number;
  readonly scryptWork: number;
}

/**
 * Upper bounds on the cost an imported hash may ask for, derived from one time budget: a
 * legacy verify may cost at most about what the slowest widely used default costs
 * (werkzeug's pbkdf2:sha256 1 000 000 and bcrypt 12: ~0.3 s on the reference machine,
 * ~10 configured argon2id verifies). Each limit is the largest cost of its format that
 * verifies within that budget (`npm run bench:legacy-hashes`, docs/decisions.md "Legacy
 * hash cost"). They are checked at import and again at every verify, so a hash stored by
 * other means (SQL) cannot make a login cost seconds either. For argon2 and scrypt they
 * also bound the memory one verify allocates.
 */
export const HASH_LIMITS: HashLimits = {
  /** argon2 memory per verify; with `argon2Work`, 64 MiB at t=3 (argon2-cffi's default). */
  argon2MemoryKib: 65_536,
  /** argon2 work m·t in KiB passes: the time of a verify grows with memory times passes. */
  argon2Work: 65_536 * 3,
  argon2Parallelism: 16,
  bcryptCost: 12,
  /** Per digest: an HMAC-sha512 iteration costs ~3 sha256 ones here, a sha1 one the same. */
  pbkdf2Iterations: { sha1: 1_000_000, sha256: 1_000_000, sha512: 350_000 },
  /** scrypt memory 128·N·r. */
  scryptMemoryBytes: 64 * 1024 * 1024,
  /** scrypt work N·r·p: 65536·8·1 at most. */
  scryptWork: 2 ** 19,
};

export type ParsedHash =
  | { algorithm: 'argon2id' | 'argon2i'; memoryKib: number; timeCost: number; parallelism: number }
  | { algorithm: 'bcrypt'; cost: number }
  | { algorithm: 'pbkdf2'; digest: Pbkdf2Digest; iterations: number; salt: string; key: Buffer }
  | { algorithm: 'scrypt'; n: number; r: number; p: number; salt: string; key: Buffer };

export type ParseResult = { ok: true; hash: ParsedHash } | { ok: false; reason: string };

const B64 = '[A-Za-z0-9+/]+';
const ARGON2 = new RegExp(`^\\$(argon2id|argon2i)\\$(?:v=(\\d+)\\$)?m=(\\d+),t=(\\d+),p=(\\d+)\\$(${B64})\\$(${B64})$`);
const BCRYPT = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;
// werkzeug splits on the first two "$": the salt holds no "$"; the method always names its parameters.
const SALT = '[\\x21-\\x23\\x25-\\x7e]{1,128}';
const PBKDF2 = new RegExp(`^pbkdf2:(sha1|sha256|sha512):(\\d{1,8})\\$(${SALT})\\$([0-9a-f]+)$`);
const SCRYPT = new RegExp(`^scrypt:(\\d{1,8}):(\\d{1,3}):(\\d{1,3})\\$(${SALT})\\$([0-9a-f]+)$`);

const fail = (reason: string): ParseResult => ({ ok: false, reason });

/**
 * Recognises the password hash formats the service accepts (contract §2, issue 7): argon2id
 * and argon2i (PHC strings), bcrypt `$2a$`/`$2b$`/`$2y$`, and werkzeug's
 * `pbkdf2:<digest>:<iterations>$salt$hex` and `scrypt:N:r:p$salt$hex`, with bounded costs.
 */
export function parsePasswordHash(stored: string, limits: HashLimits = HASH_LIMITS): ParseResult {
  if (stored.startsWith('$argon2')) return parseArgon2(stored, limits);
  if (stored.startsWith('$2')) return parseBcrypt(stored, limits);
  if (stored.startsWith('pbkdf2:')) return parsePbkdf2(stored, limits);
  if (stored.startsWith('scrypt:')) return parseScrypt(stored, limits);
  return fail('unsupported hash format');
}

function parseArgon2(stored: string, limits: HashLimits): ParseResult {
  const m = ARGON2.exec(stored);
  if (m === null) return fail('malformed argon2 hash (argon2id or argon2i PHC string expected)');
  const [, variant, version, memory, time, parallelism] = m;
  if (version !== undefined && version !== '19' && version !== '16') return fail('unsupported argon2 version');
  const hash = {
    algorithm: variant as 'argon2id' | 'argon2i',
    memoryKib: Number(memory),
    timeCost: Number(time),
    parallelism: Number(parallelism),
  };
  if (hash.parallelism < 1 || hash.parallelism > limits.argon2Parallelism) {
    return fail(`argon2 p out of range (1-${limits.argon2Parallelism})`);
  }
  if (hash.timeCost < 1) return fail('argon2 t out of range (at least 1)');
  if (hash.memoryKib < 8 * hash.parallelism || hash.memoryKib > limits.argon2MemoryKib) {
    return fail(`argon2 m out of range (8·p-${limits.argon2MemoryKib} KiB)`);
  }
  if (hash.memoryKib * hash.timeCost > limits.argon2Work) {
    return fail(`argon2 cost out of range (m·t ≤ ${limits.argon2Work} KiB)`);
  }
  return { ok: true, hash };
}

function parseBcrypt(stored: string, limits: HashLimits): ParseResult {
  const m = BCRYPT.exec(stored);
  if (m === null) return fail('malformed bcrypt hash ($2a$, $2b$ or $2y$ with 53 characters of salt and hash)');
  const cost = Number(m[1]);
  if (cost < 4 || cost > limits.bcryptCost) return fail(`bcrypt cost out of range (4-${limits.bcryptCost})`);
  return { ok: true, hash: { algorithm: 'bcrypt', cost } };
}

function parsePbkdf2(stored: string, limits: HashLimits): ParseResult {
  const m = PBKDF2.exec(stored);
  if (m === null) return fail('malformed werkzeug pbkdf2 hash (pbkdf2:sha256:<iterations>$<salt>$<hex>)');
  const [, digest, iterations, salt, hex] = m as unknown as [string, Pbkdf2Digest, string, string, string];
  const n = Number(iterations);
  const limit = limits.pbkdf2Iterations[digest];
  if (n < 1 || n > limit) return fail(`pbkdf2 iterations out of range (1-${limit} for ${digest})`);
  if (hex.length !== PBKDF2_DIGESTS[digest] * 2)
    return fail(`pbkdf2 ${digest} key must be ${PBKDF2_DIGESTS[digest]} bytes`);
  return { ok: true, hash: { algorithm: 'pbkdf2', digest, iterations: n, salt, key: Buffer.from(hex, 'hex') } };
}

function parseScrypt(stored: string, limits: HashLimits): ParseResult {
  const m = SCRYPT.exec(stored);
  if (m === null) return fail('malformed werkzeug scrypt hash (scrypt:N:r:p$<salt>$<hex>)');
  const [, n, r, p, salt, hex] = m as unknown as [string, string, string, string, string, string];
  const hash = { algorithm: 'scrypt' as const, n: Number(n), r: Number(r), p: Number(p), salt };
  if (hash.n < 2 || (hash.n & (hash.n - 1)) !== 0) return fail('scrypt N must be a power of two');
  if (hash.r < 1 || hash.p < 1) return fail('scrypt r and p must be positive');
  // RFC 7914: N < 2^(128·r/8). Such a hash can never verify (Node refuses the parameters).
  if (hash.n >= 2 ** (16 * hash.r)) return fail('scrypt N must be below 2^(16·r)');
  if (128 * hash.n * hash.r > limits.scryptMemoryBytes || hash.n * hash.r * hash.p > limits.scryptWork) {
    const mib = limits.scryptMemoryBytes / 1024 / 1024;
    return fail(`scrypt cost out of range (128·N·r ≤ ${mib} MiB, N·r·p ≤ ${limits.scryptWork})`);
  }
  if (hex.length !== SCRYPT_KEY_LENGTH * 2) return fail(`scrypt key must be ${SCRYPT_KEY_LENGTH} bytes`);
  return { ok: true, hash: { ...hash, key: Buffer.from(hex, 'hex') } };
}

/**
 * Verifies a werkzeug hash exactly as `werkzeug.security.check_password_hash` does:
 * password and salt as UTF-8 bytes, pbkdf2_hmac with the digest's own length, scrypt with
 * dklen 64 and maxmem = 132·N·r·p; the keys are compared in constant time.
 */
export async function verifyWerkzeugHash(
  hash: Extract<ParsedHash, { algorithm: 'pbkdf2' | 'scrypt' }>,
  password: string,
): Promise<boolean> {
  const secret = Buffer.from(password, 'utf8');
  const salt = Buffer.from(hash.salt, 'utf8');
  const derived =
    hash.algorithm === 'pbkdf2'
      ? await pbkdf2Async(secret, salt, hash.iterations, hash.key.length, hash.digest)
      : await scryptAsync(secret, salt, SCRYPT_KEY_LENGTH, {
          N: hash.n,
          r: hash.r,
          p: hash.p,
          maxmem: 132 * hash.n * hash.r * hash.p,
        });
  return derived.length === hash.key.length && timingSafeEqual(derived, hash.key);
}
