import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { AppException } from '#src/common/errors/app.exception.js';
import { accountSubject } from '#src/modules/lockout/lockout.policy.js';
import { LockoutService } from '#src/modules/lockout/lockout.service.js';
import { AccountsService } from '#src/modules/users/accounts.service.js';
import { StepUpRegistry, type StepUpVerifier } from '#src/modules/users/step-up.registry.js';
import { RecoveryCodeMethod } from './recovery-code.method.js';
import type { MfaMethodName, SecondFactorMethod, SecondFactorProof } from './second-factor.js';
import { TotpMethod } from './totp.method.js';

/**
 * The second factor, whatever the method: the login's second step and the step-up of
 * sensitive routes. Wrong codes count in the account's lockout, the one wrong passwords
 * count in (contract §2).
 */
@Injectable()
export class SecondFactorService implements StepUpVerifier, OnModuleInit {
  private readonly methods: SecondFactorMethod[];

  constructor(
    totp: TotpMethod,
    recoveryCodes: RecoveryCodeMethod,
    private readonly lockout: LockoutService,
    private readonly accounts: AccountsService,
    private readonly stepUp: StepUpRegistry,
  ) {
    this.methods = [totp, recoveryCodes];
  }

  onModuleInit(): void {
    this.stepUp.register(this);
  }

  /** The methods a user with MFA may use (the login's `mfa_methods`). */
  get methodNames(): MfaMethodName[] {
    return this.methods.map((m) => m.name);
  }

  /** The method the request uses, for metrics: `none` when it carries no proof. */
  methodOf(proof: SecondFactorProof): MfaMethodName | 'none' {
    return this.methods.find((m) => m.proofOf(proof) !== undefined)?.name ?? 'none';
  }

  /** Passes, or throws USER_1003 (locked) or USER_1401 (missing or wrong, counted). */
  async verify(userId: string, proof: SecondFactorProof, meta: RequestMeta): Promise<MfaMethodName> {
    const method = this.methods.find((m) => m.proofOf(proof) !== undefined);
    const value = method?.proofOf(proof);
    if (method === undefined || value === undefined) {
      throw new AppException('USER_1401', 'A code or a recovery_code is required');
    }
    const subject = accountSubject(userId);
    await this.lockout.assertNotLocked(subject);
    if (!(await method.verify(userId, value, meta))) {
      await this.lockout.recordFailure(subject, userId, meta);
      throw new AppException('USER_1401');
    }
    await this.lockout.clear(subject);
    return method.name;
  }

  /** Step-up: nothing to prove without MFA; with it, a code or a recovery code. */
  async assert(userId: string, proof: SecondFactorProof, meta: RequestMeta): Promise<void> {
    const user = await this.accounts.findOrNull(userId);
    if (user?.mfaEnabled === true) await this.verify(userId, proof, meta);
  }
}
