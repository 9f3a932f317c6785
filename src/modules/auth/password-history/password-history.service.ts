import { Injectable, type OnModuleInit } from '@nestjs/common';
import { AppException } from '#src/common/errors/app.exception.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import type { Tx } from '#src/database/transaction.js';
import { PasswordHasher } from '#src/modules/auth/passwords/password-hasher.service.js';
import { type PersonalDataContributor, PersonalDataRegistry } from '#src/modules/users/personal-data.registry.js';
import { PasswordHistoryRepository } from './password-history.repository.js';

/**
 * Password history (PASSWORD_HISTORY_COUNT = N, 0: off): a change or reset refuses the
 * current password and the N - 1 before it with USER_1106. Each remembered hash costs one
 * verify on the hash queue, so a change costs at most N verifies; the routes that reach
 * here are already under the login budget (docs/decisions.md, "Password history").
 */
@Injectable()
export class PasswordHistoryService implements OnModuleInit, PersonalDataContributor {
  private readonly count: number;

  constructor(
    private readonly repository: PasswordHistoryRepository,
    private readonly hasher: PasswordHasher,
    private readonly personalData: PersonalDataRegistry,
    @InjectConfig() config: AppConfig,
  ) {
    this.count = config.password.historyCount;
  }

  onModuleInit(): void {
    this.personalData.register(this);
  }

  /**
   * USER_1106 when `candidate` is the current password or one of the remembered ones. The
   * current one is given in clear when the caller has just checked it (a change: no verify
   * needed), else by its hash (a reset).
   */
  async assertNotReused(
    userId: string,
    candidate: string,
    current: { password: string } | { hash: string | null },
  ): Promise<void> {
    if (this.count === 0) return;
    if ('password' in current && current.password === candidate) throw new AppException('USER_1106');
    const earlier = await this.repository.recent(userId, this.count - 1);
    const hashes = 'hash' in current && current.hash !== null ? [current.hash, ...earlier] : earlier;
    for (const hash of hashes) {
      if ((await this.hasher.verify(hash, candidate)).valid) throw new AppException('USER_1106');
    }
  }

  /** Inside the transaction that replaces it: the replaced hash joins the history, the oldest leave. */
  remember(tx: Tx, userId: string, replacedHash: string | null): Promise<void> {
    const keep = Math.max(0, this.count - 1);
    if (replacedHash === null) return Promise.resolve();
    return this.repository.push(tx, userId, replacedHash, keep);
  }

  /** The export says nothing of it: these are hashes, kept for one check only. */
  exportFor(): Promise<Record<string, never>> {
    return Promise.resolve({});
  }

  eraseFor(tx: Tx, userId: string): Promise<void> {
    return this.repository.deleteAllForUser(tx, userId);
  }
}
