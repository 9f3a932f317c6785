import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Algorithm, hash, verify } from '@node-rs/argon2';
import { verify as verifyBcrypt } from '@node-rs/bcrypt';
import pLimit, { type LimitFunction } from 'p-limit';
import { canonicalPassword } from '#src/common/text/identifiers.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { addHashQueueSource } from '#src/metrics/metrics.js';
import {
  HASH_LIMITS,
  type HashAlgorithm,
  type HashLimits,
  type ParsedHash,
  parsePasswordHash,
  verifyWerkzeugHash,
} from './password-hash-formats.js';

export interface VerifyResult {
  valid: boolean;
  /** The stored hash uses other parameters (or another algorithm) than configured. */
  needsRehash: boolean;
}

/** Hashes running and waiting in each queue (for tests and diagnostics). */
export interface HashQueueDepth {
  argon2: { active: number; pending: number };
  legacy: { active: number; pending: number };
}

/**
 * argon2id (contract §2) through @node-rs/argon2. Hashing runs off the event loop on the
 * libuv pool (UV_THREADPOOL_SIZE is set from the cores in main.ts). At most
 * ARGON2_MAX_CONCURRENCY hashes run at once (default: the cores); the rest wait in a
 * queue, so a burst of logins cannot take every pool thread nor hold more than that many
 * 19 MiB buffers, and token-checked reads keep a share of the CPU.
 *
 * Imported hashes that cost more than our own (bcrypt, werkzeug pbkdf2 and scrypt, dearer
 * argon2) are verified in a queue of their own, LEGACY_HASH_MAX_CONCURRENCY at once
 * (default 1), also on the libuv pool, so they never delay an ordinary login; their cost
 * is bounded by HASH_LIMITS at import and again here (docs/decisions.md "Legacy hash cost").
 */
@Injectable()
export class PasswordHasher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PasswordHasher.name);
  private readonly options;
  private readonly paramsTag: string;
  /** HASH_LIMITS, raised for argon2 to our own configured cost when that is higher. */
  private readonly limits: HashLimits;
  /** A real hash of a random password: unknown accounts cost one verify, like known ones. */
  private dummyHash: Promise<string> | undefined;
  private readonly limit: LimitFunction;
  private readonly legacyLimit: LimitFunction;
  private removeQueueSource: (() => void) | undefined;

  constructor(@InjectConfig() config: AppConfig) {
    this.options = {
      algorithm: Algorithm.Argon2id,
      memoryCost: config.argon2.memoryCost,
      timeCost: config.argon2.timeCost,
      parallelism: config.argon2.parallelism,
    };
    this.limit = pLimit(config.argon2.maxConcurrency);
    this.legacyLimit = pLimit(config.legacyHashes.maxConcurrency);
    this.paramsTag = `$argon2id$v=19$m=${this.options.memoryCost},t=${this.options.timeCost},p=${this.options.parallelism}$`;
    this.limits = {
      ...HASH_LIMITS,
      argon2MemoryKib: Math.max(HASH_LIMITS.argon2MemoryKib, this.options.memoryCost),
      argon2Work: Math.max(HASH_LIMITS.argon2Work, this.options.memoryCost * this.options.timeCost),
      argon2Parallelism: Math.max(HASH_LIMITS.argon2Parallelism, this.options.parallelism),
    };
  }

  /** Feeds the password_hash_queue gauge (the dashboard's hash-queue panel). */
  onModuleInit(): void {
    this.removeQueueSource = addHashQueueSource(() => {
      const depth = this.queueDepth();
      return [
        { queue: 'argon2', ...depth.argon2 },
        { queue: 'legacy', ...depth.legacy },
      ];
    });
  }

  onApplicationShutdown(): void {
    this.removeQueueSource?.();
  }

  /** Hashes the NFKC form of the password (common/text/identifiers.ts). */
  hash(password: string): Promise<string> {
    const canonical = canonicalPassword(password);
    return this.limit(() => hash(canonical, this.options));
  }

  /**
   * Verifies our argon2id hashes and the imported formats (argon2i, bcrypt, werkzeug
   * pbkdf2 and scrypt). Anything but argon2id with the configured parameters needs a
   * rehash, which login stores. Unknown formats (e.g. an erased account's marker) and
   * hashes above the cost limits never match: they cost one dummy argon2id verify instead.
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
    if (storedHash.startsWith(this.paramsTag)) return this.limit(() => verify(storedHash, password));
    const parsed = parsePasswordHash(storedHash, this.limits);
    if (!parsed.ok) {
      // An erased account's marker is expected; anything else was stored past the import checks.
      if (!storedHash.startsWith('!')) this.logger.warn({ reason: parsed.reason }, 'stored password hash refused');
      // Never its own cost, but the cost of any failed login, so the refusal does not show.
      return this.dummyVerify(password);
    }
    const queue = this.costsNoMoreThanOurs(parsed.hash) ? this.limit : this.legacyLimit;
    const stored = parsed.hash;
    switch (stored.algorithm) {
      case 'argon2id':
      case 'argon2i':
        return queue(() => verify(storedHash, password));
      case 'bcrypt':
        return queue(() => verifyBcrypt(password, storedHash));
      case 'pbkdf2':
      case 'scrypt':
        return queue(() => verifyWerkzeugHash(stored, password));
    }
  }

  /** An argon2 hash no dearer than the configured one may share the login queue. */
  private costsNoMoreThanOurs(parsed: ParsedHash): boolean {
    return (
      (parsed.algorithm === 'argon2id' || parsed.algorithm === 'argon2i') &&
      parsed.memoryKib <= this.options.memoryCost &&
      parsed.memoryKib * parsed.timeCost <= this.options.memoryCost * this.options.timeCost
    );
  }

  /** Which accepted format a hash from another system is in, or why it is refused (for import). */
  identify(storedHash: string): { ok: true; algorithm: HashAlgorithm } | { ok: false; reason: string } {
    const parsed = parsePasswordHash(storedHash, this.limits);
    return parsed.ok ? { ok: true, algorithm: parsed.hash.algorithm } : parsed;
  }

  queueDepth(): HashQueueDepth {
    return {
      argon2: { active: this.limit.activeCount, pending: this.limit.pendingCount },
      legacy: { active: this.legacyLimit.activeCount, pending: this.legacyLimit.pendingCount },
    };
  }

  /** Spends the same work as a real failed verify and always fails. */
  async verifyDummy(password: string): Promise<false> {
    // As many verifies as verify() spends on a wrong password of the same form: a password
    // that NFKC changes costs two there, so it costs two here (no timing oracle).
    const canonical = canonicalPassword(password);
    await this.dummyVerify(canonical);
    if (canonical !== password) await this.dummyVerify(password);
    return false;
  }

  /** One argon2id verify at the configured cost, against a hash no password matches. */
  private async dummyVerify(password: string): Promise<false> {
    this.dummyHash ??= this.hash(`dummy-${Math.random()}-${Date.now()}`);
    const dummy = await this.dummyHash;
    await this.limit(() => verify(dummy, password)).catch(() => false);
    return false;
  }
}
