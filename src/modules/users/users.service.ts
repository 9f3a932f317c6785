import { Injectable, Logger } from '@nestjs/common';
import { isEmail } from 'class-validator';
import { randomBytes } from 'node:crypto';
import { AppException } from '#src/common/errors/app.exception.js';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { TransactionRunner, type Tx } from '#src/database/transaction.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { EventPublisher, userEvent } from '#src/modules/events/event-publisher.js';
import { erasedIdentity, type UserEventPayloads } from '#src/modules/events/user-events.js';
import { SessionsService } from '#src/modules/sessions/sessions.service.js';
import type {
  AdminCreateUserRequestDto,
  AdminUpdateUserRequestDto,
  ListUsersQueryDto,
  RegisterRequestDto,
  UpdateProfileRequestDto,
} from './dto/user.dto.js';
import { pageOf } from '#src/common/http/page-query.dto.js';
import { canonicalIdentifier, canonicalPassword, canonicalUsername } from '#src/common/text/identifiers.js';
import { accountSubject } from '#src/modules/lockout/lockout.policy.js';
import { LockoutService } from '#src/modules/lockout/lockout.service.js';
import { signups } from '#src/metrics/metrics.js';
import { PASSWORD_RULE_MESSAGES, passwordViolations } from './password.policy.js';
import { PasswordHasher } from './password-hasher.service.js';
import { type EmailChange, EmailChangeNotifier } from './email-change.notifier.js';
import { PersonalDataRegistry } from './personal-data.registry.js';
import { UserCache } from './user-cache.js';
import type { LoginHistory } from './login-history.entity.js';
import type { Role, User } from './user.entity.js';
import { type PublicUser, toPublicUser, toUserResponse, type UserResponse } from './user.mapper.js';
import { type NewUser, type UserChanges, UsersRepository } from './users.repository.js';

export interface Viewer {
  userId: string;
  role: Role;
}

type CreateSource = UserEventPayloads['user.created']['source'];

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

/** The canonical email (common/text/identifiers.ts), or USER_1104 when it is not one. */
export function normaliseEmail(raw: string): string {
  const email = canonicalIdentifier(raw);
  if (!isEmail(email, { allow_utf8_local_part: true, require_tld: true }) || email.length > 320) {
    throw new AppException('USER_1104');
  }
  return email;
}

@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly cache: UserCache,
    private readonly sessions: SessionsService,
    private readonly events: EventPublisher,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly personalData: PersonalDataRegistry,
    private readonly lockout: LockoutService,
    private readonly emailChanges: EmailChangeNotifier,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Refuses a password that breaks the policy of contract §2 with USER_1103 naming the rules. */
  assertPasswordPolicy(password: string): void {
    const rules = passwordViolations(canonicalPassword(password), this.config.password);
    if (rules.length > 0) {
      throw new AppException('USER_1103', undefined, {
        rules,
        messages: rules.map((r) => `password ${PASSWORD_RULE_MESSAGES[r]}`),
      });
    }
  }

  async register(dto: RegisterRequestDto, source: CreateSource = 'register'): Promise<UserResponse> {
    const user = await this.create(dto, { role: 'user', isVerified: false, source, actorId: null });
    return toUserResponse(user);
  }

  async createByAdmin(dto: AdminCreateUserRequestDto, actorId: string, meta: RequestMeta): Promise<UserResponse> {
    const user = await this.create(dto, {
      role: dto.role ?? 'user',
      isVerified: dto.is_verified ?? false,
      source: 'admin',
      actorId,
      meta,
    });
    return toUserResponse(user);
  }

  private async create(
    dto: RegisterRequestDto,
    opts: { role: Role; isVerified: boolean; source: CreateSource; actorId: string | null; meta?: RequestMeta },
  ): Promise<User> {
    const email = normaliseEmail(dto.email);
    this.assertPasswordPolicy(dto.password);
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
        await this.audit.record(
          'user.create',
          { actorId: opts.actorId, targetUserId: user.id, details: { role: user.role }, meta: opts.meta },
          tx,
        );
      }
      return user;
    });
    this.countSignup(opts.source);
    return created;
  }

  /**
   * Inserts a user and records `user.created` in the same transaction (a duplicate email or
   * username is USER_1102 / USER_1105). Every way a user comes to exist goes through here.
   */
  async insertWithEvent(tx: Tx, data: NewUser, source: CreateSource): Promise<User> {
    const user = await this.users.insert(data, tx);
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

  /** The user, through the cache. Erased users read as missing. */
  async findActiveOrNull(id: string): Promise<User | null> {
    const user = await this.cache.get(id, (uid) => this.users.findById(uid));
    return user === null || user.deletedAt !== null ? null : user;
  }

  private async require(id: string): Promise<User> {
    const user = await this.findActiveOrNull(id);
    if (user === null) throw new AppException('USER_1101');
    return user;
  }

  async me(userId: string): Promise<UserResponse> {
    return toUserResponse(await this.require(userId));
  }

  /** Self, admins and moderators see everything; others the public view. */
  async getById(id: string, viewer: Viewer | null): Promise<UserResponse | PublicUser> {
    return this.view(await this.require(id), viewer);
  }

  async getByUsername(username: string, viewer: Viewer | null): Promise<UserResponse | PublicUser> {
    const found = await this.users.findByUsername(username);
    if (found === null || found.deletedAt !== null) throw new AppException('USER_1101');
    return this.view(found, viewer);
  }

  /** Service-token callers (viewer null) are trusted back ends and get the full user. */
  private view(user: User, viewer: Viewer | null): UserResponse | PublicUser {
    if (viewer === null || viewer.userId === user.id || viewer.role === 'admin' || viewer.role === 'moderator') {
      return toUserResponse(user);
    }
    return toPublicUser(user);
  }

  async list(query: ListUsersQueryDto): Promise<{ items: UserResponse[]; total: number; page: number; limit: number }> {
    const { page, limit } = pageOf(query);
    const { items, total } = await this.users.list({
      page,
      limit,
      q: query.q,
      role: query.role,
      isActive: query.is_active,
    });
    return { items: items.map(toUserResponse), total, page, limit };
  }

  async updateProfile(userId: string, dto: UpdateProfileRequestDto): Promise<UserResponse> {
    return toUserResponse(await this.applyChanges(userId, dto, userId));
  }

  async updateByAdmin(
    id: string,
    dto: AdminUpdateUserRequestDto,
    actorId: string,
    meta: RequestMeta,
  ): Promise<UserResponse> {
    const changes = dto.email === undefined ? dto : { ...dto, email: normaliseEmail(dto.email) };
    return toUserResponse(await this.applyChanges(id, changes, actorId, meta));
  }

  private async applyChanges(
    id: string,
    dto: Partial<Record<keyof typeof PROFILE_FIELDS, unknown>>,
    actorId: string,
    meta?: RequestMeta,
  ): Promise<User> {
    await this.require(id);
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
      const previous = changes.email === undefined ? null : await this.users.findById(id, tx);
      const emailChanged = previous !== null && previous.email !== changes.email;
      // A new address is unverified until its owner follows the link mailed to it; an admin
      // may say otherwise in the same request.
      if (emailChanged && changes.isVerified === undefined) {
        changes.isVerified = false;
        if (previous.isVerified) fields.push('is_verified');
      }
      const user = await this.users.update(id, changes, tx);
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
      if (changes.isActive === false) revoked = await this.sessions.revokeAllForUser(id, 'deactivated', tx);
      if (meta !== undefined) {
        await this.audit.record('user.update', { actorId, targetUserId: id, details: { fields }, meta }, tx);
      }
      if (revoked.length > 0) await this.recordLogout(tx, id, revoked, 'deactivated');
      return user;
    });
    await this.afterWrite(id, revoked);
    if (emailChange !== null) await this.emailChanges.notify(emailChange);
    return updated;
  }

  async changeRole(id: string, role: Role, actorId: string, meta: RequestMeta): Promise<UserResponse> {
    await this.require(id);
    const updated = await this.transactions.runForUser(id, async (tx) => {
      // Read under the user's lock, so old_role is the role this change replaced.
      const current = await this.users.findById(id, tx);
      if (current === null) throw new AppException('USER_1101');
      if (role !== 'admin') await this.assertNotLastAdmin(tx, id);
      const user = (await this.users.update(id, { role }, tx)) as User;
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
      await this.audit.record(
        'user.role_change',
        { actorId, targetUserId: id, details: { old_role: current.role, new_role: role }, meta },
        tx,
      );
      return user;
    });
    await this.afterWrite(id, []);
    return toUserResponse(updated);
  }

  /** Demoting, deactivating or erasing the last active admin would lock everyone out of the admin routes. */
  private async assertNotLastAdmin(tx: Tx, id: string): Promise<void> {
    const standing = await this.users.adminStanding(id, tx);
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
    await this.require(id);
    let revoked: string[] = [];
    await this.transactions.runForUser(id, async (tx) => {
      await this.assertNotLastAdmin(tx, id);
      await this.users.update(
        id,
        {
          ...erasedIdentity(id),
          phone: null,
          businessType: null,
          businessNumber: null,
          industry: null,
          region: null,
          isActive: false,
          passwordHash: `!erased:${randomBytes(16).toString('hex')}`,
          deletedAt: new Date(),
        },
        tx,
      );
      // The user row stays (anonymised), so FK cascades do not fire: badges, goals, one-time
      // tokens... go here. Sessions and the outbox are dependencies of this module, so they
      // are called directly (they cannot register without depending back on users).
      await this.personalData.eraseFor(tx, id);
      await this.users.forgetLoginClientDetails(id, tx);
      revoked = await this.sessions.revokeAllForUser(id, 'erased', tx);
      await this.sessions.forgetClientDetails(tx, id);
      await this.events.forgetPersonalData(tx, id);
      if (revoked.length > 0) await this.recordLogout(tx, id, revoked, 'erased');
      await this.events.record(tx, userEvent('user.deleted', id, { user_id: id, actor_id: actorId }));
      await this.audit.record('user.delete', { actorId, targetUserId: id, details: {}, meta }, tx);
    });
    await this.afterWrite(id, revoked);
  }

  /**
   * Checks the password of a signed-in user (password change, erasure) under the account's
   * lockout, the one login counts on: USER_1003 while locked, USER_1001 when wrong.
   */
  async assertPassword(userId: string, password: string, meta: RequestMeta): Promise<void> {
    const subject = accountSubject(userId);
    await this.lockout.assertNotLocked(subject);
    const hash = await this.users.findHashById(userId);
    const { valid } = hash === null ? { valid: false } : await this.hasher.verify(hash, password);
    if (!valid) {
      await this.lockout.recordFailure(subject, userId, meta);
      throw new AppException('USER_1001');
    }
    await this.lockout.clear(subject);
  }

  /** Sets a new password hash inside `tx` (password change, reset, rehash on login). */
  async setPasswordHash(tx: Tx, userId: string, hash: string): Promise<void> {
    await this.users.set(userId, { passwordHash: hash }, tx);
  }

  async recordLogout(tx: Tx, userId: string, sessionIds: string[], reason: string): Promise<void> {
    await this.events.record(
      tx,
      userEvent('user.logged_out', userId, { user_id: userId, session_ids: sessionIds, reason }),
    );
  }

  /** After a write commits: drop the cached user on every pod and the revoked sessions' keys. */
  async afterWrite(userId: string, revokedSessions: string[]): Promise<void> {
    await Promise.all([this.cache.invalidate(userId), this.sessions.forget(revokedSessions)]);
  }

  /** The user with its password hash, for credential checks; erased users are not found. */
  async findForLogin(login: { email?: string; username?: string }): Promise<User | null> {
    if (login.email !== undefined) return this.users.findForLogin({ email: canonicalIdentifier(login.email) });
    const username = canonicalUsername(login.username ?? '');
    return username === null ? null : this.users.findForLogin({ username });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.users.findByEmail(canonicalIdentifier(email));
  }

  async markLoggedIn(tx: Tx, userId: string, rehash: string | null): Promise<void> {
    await this.users.set(
      userId,
      rehash === null ? { lastLoginAt: new Date() } : { lastLoginAt: new Date(), passwordHash: rehash },
      tx,
    );
  }

  /**
   * Marks `email` verified, inside the verifying transaction (which holds the user's lock).
   * USER_1007 when the account's address is no longer the one the link was mailed to.
   */
  async markVerified(tx: Tx, userId: string, email: string): Promise<User> {
    const current = await this.users.findById(userId, tx);
    if (current === null || current.deletedAt !== null || current.email !== email) {
      throw new AppException('USER_1007');
    }
    const user = await this.users.update(userId, { isVerified: true }, tx);
    if (user === null) throw new AppException('USER_1101');
    return user;
  }

  addLoginHistory(
    entry: {
      userId: string | null;
      ip: string | null;
      userAgent: string | null;
      success: boolean;
      reason: string | null;
    },
    tx?: Tx,
  ): Promise<void> {
    return this.users.addLoginHistory(entry, tx);
  }

  loginHistory(userId: string): Promise<LoginHistory[]> {
    return this.users.loginHistory(userId);
  }

  /** Creates the admin of ADMIN_EMAIL / ADMIN_PASSWORD at start when no active admin exists. */
  async bootstrapAdmin(): Promise<void> {
    const { email, password } = this.config.admin;
    if (email === undefined || password === undefined) return;
    if (await this.users.existsAdmin()) return;
    const existing = await this.users.findByEmail(normaliseEmail(email));
    if (existing !== null) {
      await this.transactions.runForUser(existing.id, async (tx) => {
        await this.users.update(existing.id, { role: 'admin', isActive: true }, tx);
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
      const user = await this.create(
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
