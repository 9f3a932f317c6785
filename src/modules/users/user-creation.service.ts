import { Injectable } from '@nestjs/common';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { TransactionRunner, type Tx } from '#src/database/transaction.js';
import { signups } from '#src/metrics/metrics.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { PasswordHasher } from '#src/modules/auth/passwords/password-hasher.service.js';
import { PasswordPolicyService } from '#src/modules/auth/passwords/password-policy.service.js';
import { EventPublisher, userEvent } from '#src/modules/events/event-publisher.js';
import type { UserEventPayloads } from '#src/modules/events/user-events.js';
import type { RegisterRequestDto } from './dto/user.dto.js';
import { normaliseEmail } from './email.js';
import type { Role, User } from './user.entity.js';
import { type NewUser, UsersRepository } from './users.repository.js';

export type CreateSource = UserEventPayloads['user.created']['source'];

export interface CreateOptions {
  role: Role;
  isVerified: boolean;
  source: CreateSource;
  /** The admin who created the user (audited), or null for sign-up and bootstrap. */
  actorId: string | null;
  meta?: RequestMeta;
}

/** Every way a user comes to exist (sign-up, admin, bootstrap, import) goes through here. */
@Injectable()
export class UserCreationService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicyService,
    private readonly events: EventPublisher,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
  ) {}

  /** Checks the email and the password policy, hashes, inserts with its event, and counts it. */
  async create(dto: RegisterRequestDto, opts: CreateOptions): Promise<User> {
    const email = normaliseEmail(dto.email);
    this.policy.assert(dto.password);
    const passwordHash = await this.hasher.hash(dto.password);
    const created = await this.transactions.run(async (tx) => {
      const user = await this.insertWithEvent(
        tx,
        {
          email,
          name: dto.name,
          username: dto.username ?? null,
          phone: dto.phone ?? null,
          passwordHash,
          role: opts.role,
          isVerified: opts.isVerified,
        },
        opts.source,
      );
      if (opts.actorId !== null) {
        await this.audit.record(tx, 'user.create', {
          actorId: opts.actorId,
          targetUserId: user.id,
          details: { role: user.role },
          meta: opts.meta,
        });
      }
      return user;
    });
    this.countSignup(opts.source);
    return created;
  }

  /**
   * Inserts a user and records `user.created` in the same transaction (a duplicate email or
   * username is USER_1102 / USER_1105).
   */
  async insertWithEvent(tx: Tx, data: NewUser, source: CreateSource): Promise<User> {
    const user = await this.users.insert(tx, data);
    await this.events.record(
      tx,
      userEvent('user.created', user.id, {
        user_id: user.id,
        email: user.email,
        username: user.username,
        name: user.name,
        role: user.role,
        is_verified: user.isVerified,
        source,
      }),
    );
    return user;
  }

  /** Counts a committed sign-up in the metrics. */
  countSignup(source: CreateSource): void {
    signups.inc({ source });
  }
}
