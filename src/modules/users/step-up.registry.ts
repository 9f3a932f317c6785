import { Injectable } from '@nestjs/common';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';

/** A second proof of presence sent with a sensitive request: a current code or a recovery code. */
export interface StepUpProof {
  code?: string;
  recovery_code?: string;
}

export interface StepUpVerifier {
  /** Resolves when the user has no second factor or the proof is good; throws USER_1401 otherwise. */
  assert(userId: string, proof: StepUpProof, meta: RequestMeta): Promise<void>;
}

/**
 * Sensitive routes of this module (account deletion) ask for the second factor through
 * this registry: the factor lives on the auth side, which depends on users and registers
 * here, so users never depend back on it (like PersonalDataRegistry).
 */
@Injectable()
export class StepUpRegistry {
  private verifier: StepUpVerifier | null = null;

  register(verifier: StepUpVerifier): void {
    this.verifier = verifier;
  }

  async assert(userId: string, proof: StepUpProof, meta: RequestMeta): Promise<void> {
    if (this.verifier !== null) await this.verifier.assert(userId, proof, meta);
  }
}
