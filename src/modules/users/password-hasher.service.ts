import { Injectable } from '@nestjs/common';
import { Algorithm, hash, verify } from '@node-rs/argon2';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';

export interface VerifyResult {
  valid: boolean;
  /** The stored hash uses other parameters (or another algorithm) than configured. */
  needsRehash: boolean;
}

/**
 * argon2id through @node-rs/argon2 (DESIGN §2). Hashing runs off the event loop on the
 * libuv pool; `maxConcurrent` bounds how many run at once so a burst of logins cannot
 * take every thread (UV_THREADPOOL_SIZE is set from the cores in main.ts).
 */
@Injectable()
export class PasswordHasher {
  private readonly options;
  private readonly paramsTag: string;
  /** A real hash of a random password: unknown accounts cost one verify, like known ones. */
  private dummyHash: Promise<string> | undefined;

  constructor(@InjectConfig() config: AppConfig) {
    this.options = {
      algorithm: Algorithm.Argon2id,
      memoryCost: config.argon2.memoryCost,
      timeCost: config.argon2.timeCost,
      parallelism: config.argon2.parallelism,
    };
    this.paramsTag = `$argon2id$v=19$m=${this.options.memoryCost},t=${this.options.timeCost},p=${this.options.parallelism}$`;
  }

  hash(password: string): Promise<string> {
    return hash(password, this.options);
  }

  async verify(storedHash: string, password: string): Promise<VerifyResult> {
    if (!storedHash.startsWith('$argon2')) return { valid: false, needsRehash: false };
    let valid: boolean;
    try {
      valid = await verify(storedHash, password);
    } catch {
      valid = false;
    }
    return { valid, needsRehash: valid && !storedHash.startsWith(this.paramsTag) };
  }

  /** Spends the same work as a real verify and always fails. */
  async verifyDummy(password: string): Promise<false> {
    this.dummyHash ??= this.hash(`dummy-${Math.random()}-${Date.now()}`);
    await verify(await this.dummyHash, password).catch(() => false);
    return false;
  }
}
