import { Inject, Injectable } from '@nestjs/common';
import { AppException } from '#src/common/errors/app.exception.js';
import { KV_STORE, type KvStore } from '#src/kv/kv-store.js';
import { MfaRepository } from './mfa.repository.js';
import type { SecondFactorMethod, SecondFactorProof } from './second-factor.js';
import { TotpSecretCipher } from './totp-secret.cipher.js';
import { matchingStep, USED_STEP_TTL_SECONDS } from './totp.policy.js';

/**
 * A code from the authenticator app. A step accepted once is remembered in the shared
 * store (SET NX) until the window has passed it, so a code seen by an eavesdropper is
 * refused on every instance.
 */
@Injectable()
export class TotpMethod implements SecondFactorMethod {
  readonly name = 'totp' as const;

  constructor(
    private readonly repository: MfaRepository,
    private readonly cipher: TotpSecretCipher,
    @Inject(KV_STORE) private readonly kv: KvStore,
  ) {}

  proofOf(proof: SecondFactorProof): string | undefined {
    return proof.code;
  }

  async verify(userId: string, code: string): Promise<boolean> {
    const stored = await this.repository.findSecret(userId);
    if (stored === null || !stored.confirmed) return false;
    return this.check(userId, stored.ciphertext, code);
  }

  /** The confirming code of a pending setup: the same check against the pending secret. */
  async verifyPending(userId: string, code: string): Promise<'ok' | 'wrong' | 'none'> {
    const stored = await this.repository.findSecret(userId);
    if (stored === null || stored.confirmed) return 'none';
    return (await this.check(userId, stored.ciphertext, code)) ? 'ok' : 'wrong';
  }

  private async check(userId: string, ciphertext: string, code: string): Promise<boolean> {
    const step = matchingStep(this.cipher.decrypt(userId, ciphertext), code, Date.now());
    if (step === null) return false;
    try {
      return await this.kv.setIfAbsent(`mfa:totp-step:${userId}:${step}`, '1', USED_STEP_TTL_SECONDS);
    } catch {
      // Without the shared store a replay cannot be ruled out: refuse rather than guess.
      throw new AppException('COMMON_1503', 'The code cannot be checked right now');
    }
  }
}
