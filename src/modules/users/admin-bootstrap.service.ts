import { Injectable, Logger } from '@nestjs/common';
import { AppException } from '#src/common/errors/app.exception.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { AUTOCOMMIT, TransactionRunner } from '#src/database/transaction.js';
import { EventPublisher, userEvent } from '#src/modules/events/event-publisher.js';
import { normaliseEmail } from './email.js';
import { UserCache } from './user-cache.js';
import { UserCreationService } from './user-creation.service.js';
import { UsersRepository } from './users.repository.js';

/** Creates the admin of ADMIN_EMAIL / ADMIN_PASSWORD at start when no active admin exists. */
@Injectable()
export class AdminBootstrapService {
  private readonly logger = new Logger(AdminBootstrapService.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly creation: UserCreationService,
    private readonly cache: UserCache,
    private readonly events: EventPublisher,
    private readonly transactions: TransactionRunner,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async bootstrapAdmin(): Promise<void> {
    const { email, password } = this.config.admin;
    if (email === undefined || password === undefined) return;
    if (await this.users.existsAdmin(AUTOCOMMIT)) return;
    const existing = await this.users.findByEmail(AUTOCOMMIT, normaliseEmail(email));
    if (existing !== null) {
      await this.transactions.runForUser(existing.id, async (tx) => {
        await this.users.update(tx, existing.id, { role: 'admin', isActive: true });
        await this.events.record(
          tx,
          userEvent('user.role_changed', existing.id, {
            user_id: existing.id,
            old_role: existing.role,
            new_role: 'admin',
            actor_id: null,
          }),
        );
      });
      await this.cache.invalidate(existing.id);
      this.logger.log({ user_id: existing.id }, 'existing user promoted to admin from ADMIN_EMAIL');
      return;
    }
    try {
      const user = await this.creation.create(
        { email, password, name: 'Administrator' },
        { role: 'admin', isVerified: true, source: 'bootstrap', actorId: null },
      );
      this.logger.log({ user_id: user.id }, 'admin created from ADMIN_EMAIL');
    } catch (error) {
      // Another pod starting at the same moment created it first.
      if (!(error instanceof AppException && error.code === 'USER_1102')) throw error;
    }
  }
}
