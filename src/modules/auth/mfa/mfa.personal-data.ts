import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Tx } from '#src/database/transaction.js';
import { type PersonalDataContributor, PersonalDataRegistry } from '#src/modules/users/personal-data.registry.js';
import { MfaRepository } from './mfa.repository.js';

/**
 * Erasure deletes the secret and the recovery codes. The export shows only `mfa_enabled`
 * (in the profile): the secret and the code hashes are never exported.
 */
@Injectable()
export class MfaPersonalData implements OnModuleInit, PersonalDataContributor {
  constructor(
    private readonly repository: MfaRepository,
    private readonly personalData: PersonalDataRegistry,
  ) {}

  onModuleInit(): void {
    this.personalData.register(this);
  }

  exportFor(): Promise<Record<string, never>> {
    return Promise.resolve({});
  }

  eraseFor(tx: Tx, userId: string): Promise<void> {
    return this.repository.deleteAllForUser(tx, userId);
  }
}
