import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Tx } from '#src/database/transaction.js';
import { type PersonalDataContributor, PersonalDataRegistry } from '#src/modules/users/personal-data.registry.js';
import { OneTimeTokensRepository } from './one-time-tokens.repository.js';

/**
 * One-time tokens (reset and verification links) are personal data of their user: the
 * verification ones name an address. Erasure deletes them; the export has nothing to show
 * (they are hashes of secrets).
 */
@Injectable()
export class OneTimeTokensPersonalData implements OnModuleInit, PersonalDataContributor {
  constructor(
    private readonly oneTimeTokens: OneTimeTokensRepository,
    private readonly personalData: PersonalDataRegistry,
  ) {}

  onModuleInit(): void {
    this.personalData.register(this);
  }

  exportFor(): Promise<Record<string, never>> {
    return Promise.resolve({});
  }

  eraseFor(tx: Tx, userId: string): Promise<void> {
    return this.oneTimeTokens.deleteAllForUser(tx, userId);
  }
}
