import { Injectable } from '@nestjs/common';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { AUTOCOMMIT } from '#src/database/transaction.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { MfaRepository } from './mfa.repository.js';
import { hashRecoveryCode } from './recovery-codes.policy.js';
import type { SecondFactorMethod, SecondFactorProof } from './second-factor.js';

/** A recovery code: spent by the check itself, audited with how many are left. */
@Injectable()
export class RecoveryCodeMethod implements SecondFactorMethod {
  readonly name = 'recovery_code' as const;

  constructor(
    private readonly repository: MfaRepository,
    private readonly audit: AuditService,
  ) {}

  proofOf(proof: SecondFactorProof): string | undefined {
    return proof.recovery_code;
  }

  async verify(userId: string, code: string, meta: RequestMeta): Promise<boolean> {
    if (!(await this.repository.consumeRecoveryCode(userId, hashRecoveryCode(userId, code)))) return false;
    const remaining = await this.repository.countUnusedRecoveryCodes(userId);
    await this.audit.record(AUTOCOMMIT, 'mfa.recovery_code_used', {
      actorId: userId,
      targetUserId: userId,
      details: { remaining },
      meta,
    });
    return true;
  }
}
