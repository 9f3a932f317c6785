import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AppException } from '#src/common/errors/app.exception.js';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { TransactionRunner, type Tx } from '#src/database/transaction.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { EventPublisher, userEvent } from '#src/modules/events/event-publisher.js';
import { erasedIdentity } from '#src/modules/events/user-events.js';
import { SessionsService } from '#src/modules/sessions/sessions.service.js';
import { AccountsService } from './accounts.service.js';
import type {
  AdminCreateUserRequestDto,
  AdminUpdateUserRequestDto,
  UpdateProfileRequestDto,
  UserResponseDto,
} from './dto/user.dto.js';
import { normaliseEmail } from './email.js';
import { type EmailChange, EmailChangeNotifier } from './email-change.notifier.js';
import { PersonalDataRegistry } from './personal-data.registry.js';
import { UserCreationService } from './user-creation.service.js';
import { UserQueriesService } from './user-queries.service.js';
import type { Role, User } from './user.entity.js';
import { toUserResponse } from './user.mapper.js';
import { type UserChanges, UsersRepository } from './users.repository.js';

const PROFILE_FIELDS = {
  name: 'name',
  username: 'username',
  phone: 'phone',
  business_type: 'businessType',
  business_number: 'businessNumber',
  industry: 'industry',
  region: 'region',
  email: 'email',
  is_active: 'isActive',
  is_verified: 'isVerified',
} as const satisfies Record<string, keyof UserChanges>;

/**
 * Changes to users: the profile, the admin routes (create, update, role), erasure, and the
 * rule that the last active admin stays.
 */
@Injectable()
export class UserManagementService {
  constructor(
    private readonly users: UsersRepository,
    private readonly accounts: AccountsService,
    private readonly creation: UserCreationService,
    private readonly queries: UserQueriesService,
    private readonly sessions: SessionsService,
    private readonly events: EventPublisher,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly personalData: PersonalDataRegistry,
    private readonly emailChanges: EmailChangeNotifier,
  ) {}

  async createByAdmin(dto: AdminCreateUserRequestDto, actorId: string, meta: RequestMeta): Promise<UserResponseDto> {
    const user = await this.creation.create(dto, {
      role: dto.role ?? 'user',
      isVerified: dto.is_verified ?? false,
      source: 'admin',
      actorId,
      meta,
    });
    return toUserResponse(user);
  }

  async updateProfile(userId: string, dto: UpdateProfileRequestDto): Promise<UserResponseDto> {
    return toUserResponse(await this.applyChanges(userId, dto, userId));
  }

  async updateByAdmin(
    id: string,
    dto: AdminUpdateUserRequestDto,
    actorId: string,
    meta: RequestMeta,
  ): Promise<UserResponseDto> {
    const changes = dto.email === undefined ? dto : { ...dto, email: normaliseEmail(dto.email) };
    return toUserResponse(await this.applyChanges(id, changes, actorId, meta));
  }

  private async applyChanges(
    id: string,
    dto: Partial<Record<keyof typeof PROFILE_FIELDS, unknown>>,
    actorId: string,
    meta?: RequestMeta,
  ): Promise<User> {
    await this.queries.require(id);
    const changes: Record<string, unknown> = {};
    for (const [wire, column] of Object.entries(PROFILE_FIELDS)) {
      const value = dto[wire as keyof typeof PROFILE_FIELDS];
      if (value !== undefined) changes[column] = value;
    }
    const fields = Object.keys(dto).filter((k) => dto[k as keyof typeof PROFILE_FIELDS] !== undefined);
    let revoked: string[] = [];
    let emailChange = null as EmailChange | null;
    const updated = await this.transactions.runForUser(id, async (tx) => {
      if (changes.isActive === false) await this.assertNotLastAdmin(tx, id);
      const previous = changes.email === undefined ? null : await this.users.findById(tx, id);
      const emailChanged = previous !== null && previous.email !== changes.email;
      // A new address is unverified until its owner follows the link mailed to it; an admin
      // may say otherwise in the same request.
      if (emailChanged && changes.isVerified === undefined) {
        changes.isVerified = false;
        if (previous.isVerified) fields.push('is_verified');
      }
      const user = await this.users.update(tx, id, changes);
      if (user === null) throw new AppException('USER_1101');
      if (emailChanged) {
        emailChange = { userId: id, previousEmail: previous.email, email: user.email, isVerified: user.isVerified };
      }
      if (fields.length > 0) {
        await this.events.record(
          tx,
          userEvent('user.updated', id, { user_id: id, updated_fields: fields, actor_id: actorId }),
        );
      }
      if (changes.isActive === false) revoked = await this.sessions.revokeAllForUser(tx, id, 'deactivated');
      if (meta !== undefined) {
        await this.audit.record(tx, 'user.update', { actorId, targetUserId: id, details: { fields }, meta });
      }
      if (revoked.length > 0) await this.sessions.recordLogout(tx, id, revoked, 'deactivated');
      return user;
    });
    await this.accounts.afterWrite(id, revoked);
    if (emailChange !== null) await this.emailChanges.notify(emailChange);
    return updated;
  }

  async changeRole(id: string, role: Role, actorId: string, meta: RequestMeta): Promise<UserResponseDto> {
    await this.queries.require(id);
    const updated = await this.transactions.runForUser(id, async (tx) => {
      // Read under the user's lock, so old_role is the role this change replaced.
      const current = await this.users.findById(tx, id);
      if (current === null) throw new AppException('USER_1101');
      if (role !== 'admin') await this.assertNotLastAdmin(tx, id);
      const user = (await this.users.update(tx, id, { role })) as User;
      if (current.role !== role) {
        await this.events.record(
          tx,
          userEvent('user.role_changed', id, {
            user_id: id,
            old_role: current.role,
            new_role: role,
            actor_id: actorId,
          }),
        );
      }
      await this.audit.record(tx, 'user.role_change', {
        actorId,
        targetUserId: id,
        details: { old_role: current.role, new_role: role },
        meta,
      });
      return user;
    });
    await this.accounts.afterWrite(id, []);
    return toUserResponse(updated);
  }

  /** Demoting, deactivating or erasing the last active admin would lock everyone out of the admin routes. */
  private async assertNotLastAdmin(tx: Tx, id: string): Promise<void> {
    const standing = await this.users.adminStanding(tx, id);
    if (standing.isAdmin && standing.others === 0) {
      throw new AppException('COMMON_1003', 'The last active admin cannot be demoted, deactivated or erased');
    }
  }

  /**
   * Erasure (GDPR): personal data anonymised, other modules' data about the user deleted,
   * account disabled, sessions ended, and no IP, user agent or address left in the login
   * history, the sessions or the recorded events. The email can register again.
   */
  async erase(id: string, actorId: string | null, meta: RequestMeta): Promise<void> {
    await this.queries.require(id);
    let revoked: string[] = [];
    await this.transactions.runForUser(id, async (tx) => {
      await this.assertNotLastAdmin(tx, id);
      await this.users.update(tx, id, {
        ...erasedIdentity(id),
        phone: null,
        businessType: null,
        businessNumber: null,
        industry: null,
        region: null,
        isActive: false,
        passwordHash: `!erased:${randomBytes(16).toString('hex')}`,
        deletedAt: new Date(),
      });
      // The user row stays (anonymised), so FK cascades do not fire: badges, goals, one-time
      // tokens... go here. Sessions and the outbox are dependencies of this module, so they
      // are called directly (they cannot register without depending back on users).
      await this.personalData.eraseFor(tx, id);
      await this.users.forgetLoginClientDetails(tx, id);
      revoked = await this.sessions.revokeAllForUser(tx, id, 'erased');
      await this.sessions.forgetClientDetails(tx, id);
      await this.events.forgetPersonalData(tx, id);
      if (revoked.length > 0) await this.sessions.recordLogout(tx, id, revoked, 'erased');
      await this.events.record(tx, userEvent('user.deleted', id, { user_id: id, actor_id: actorId }));
      await this.audit.record(tx, 'user.delete', { actorId, targetUserId: id, details: {}, meta });
    });
    await this.accounts.afterWrite(id, revoked);
  }
}
