import { Injectable } from '@nestjs/common';
import { Algorithm, hash, verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import pLimit, { type LimitFunction } from 'p-limit';
import { canonicalPassword } from '#src/common/text/identifiers.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { type HashAlgorithm, parsePasswordHash, verifyWerkzeugHash } from './password-hash-formats.js';

export interface VerifyResult {
  valid: boolean;
  /** The stored hash uses other parameters (or another algorithm) than configured. */
  needsRehash: boolean;
}

/**
 * argon2id through @node-rs/argon2 (DESIGN §2). Hashing runs off the event loop on the
 * libuv pool (UV_THREADPOOL_SIZE is set from the cores in main.ts). At most
 * ARGON2_MAX_CONCURRENCY hashes run at once (default: the cores); the rest wait in a
 * queue, so a burst of logins cannot take every pool thread nor hold more than that many
 * 19 MiB buffers, and token-checked reads keep a share of the CPU.
 */
@Injectable()
export class PasswordHasher {
  private readonly options;
  private readonly paramsTag: string;
  /** A real hash of a random password: unknown accounts cost one verify, like known ones. */
  private dummyHash: Promise<string> | undefined;
  private readonly limit: LimitFunction;

  constructor(@InjectConfig() config: AppConfig) {
    this.options = {
      algorithm: Algorithm.Argon2id,
      memoryCost: config.argon2.memoryCost,
      timeCost: config.argon2.timeCost,
      parallelism: config.argon2.parallelism,
    };
    this.limit = pLimit(config.argon2.maxConcurrency);
    this.paramsTag = `$argon2id$v=19$m=${this.options.memoryCost},t=${this.options.timeCost},p=${this.options.parallelism}$`;
  }

  /** Hashes the NFKC form of the password (common/text/identifiers.ts). */
  hash(password: string): Promise<string> {
    const canonical = canonicalPassword(password);
    return this.limit(() => hash(canonical, this.options));
  }

  /**
   * Verifies our argon2id hashes and the imported formats (argon2i, bcrypt, werkzeug
   * pbkdf2 and scrypt). Anything but argon2id with the configured parameters needs a
   * rehash, which login stores. Unknown formats (e.g. an erased account's marker) never match.
   */
  async verify(storedHash: string, password: string): Promise<VerifyResult> {
    const canonical = canonicalPassword(password);
    if (await this.safeMatches(storedHash, canonical)) {
      return { valid: true, needsRehash: !storedHash.startsWith(this.paramsTag) };
    }
    // A hash made before passwords were normalised (or imported) holds the raw form: it
    // verifies once more with that, and login stores the NFKC hash in its place.
    if (canonical !== password && (await this.safeMatches(storedHash, password))) {
      return { valid: true, needsRehash: true };
    }
    return { valid: false, needsRehash: false };
  }

  private async safeMatches(storedHash: string, password: string): Promise<boolean> {
    try {
      return await this.matches(storedHash, password);
    } catch {
      return false;
    }
  }

  private async matches(storedHash: string, password: string): Promise<boolean> {
    // Our own hashes skip the strict parse: the library reads them, whatever their parameters.
    if (storedHash.startsWith('$argon2id$') || storedHash.startsWith('$argon2i$')) {
      return this.limit(() => verify(storedHash, password));
    }
    const parsed = parsePasswordHash(storedHash);
    if (!parsed.ok) return false;
    switch (parsed.hash.algorithm) {
      case 'bcrypt':
        return this.limit(() => bcrypt.compare(password, storedHash));
      case 'pbkdf2':
      case 'scrypt': {
        const werkzeug = parsed.hash;
        return this.limit(() => verifyWerkzeugHash(werkzeug, password));
      }
      case 'argon2id':
      case 'argon2i':
        return false; // unreachable: verified above
    }
  }

  /** Which accepted format a hash from another system is in, or why it is refused (for import). */
  identify(storedHash: string): { ok: true; algorithm: HashAlgorithm } | { ok: false; reason: string } {
    const parsed = parsePasswordHash(storedHash);
    return parsed.ok ? { ok: true, algorithm: parsed.hash.algorithm } : parsed;
  }

  /** Spends the same work as a real failed verify and always fails. */
  async verifyDummy(password: string): Promise<false> {
    this.dummyHash ??= this.hash(`dummy-${Math.random()}-${Date.now()}`);
    const dummy = await this.dummyHash;
    // As many verifies as verify() spends on a wrong password of the same form: a password
    // that NFKC changes costs two there, so it costs two here (no timing oracle).
    const canonical = canonicalPassword(password);
    await this.limit(() => verify(dummy, canonical)).catch(() => false);
    if (canonical !== password) await this.limit(() => verify(dummy, password)).catch(() => false);
    return false;
  }
}
