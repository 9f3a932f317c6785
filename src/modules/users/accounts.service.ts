import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppException } from '#src/common/errors/app.exception.js';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { canonicalIdentifier, canonicalUsername } from '#src/common/text/identifiers.js';
import { AUTOCOMMIT, type Db, type Tx } from '#src/database/transaction.js';
import { PasswordHasher } from '#src/modules/auth/passwords/password-hasher.service.js';
import { accountSubject } from '#src/modules/lockout/lockout.policy.js';
import { LockoutService } from '#src/modules/lockout/lockout.service.js';
import { SessionsService } from '#src/modules/sessions/sessions.service.js';
import type { RegisterRequestDto, UserResponseDto, UserViewDto } from './dto/user.dto.js';
import { type CreateSource, UserCreationService } from './user-creation.service.js';
import { UserQueriesService, type Viewer } from './user-queries.service.js';
import { UserCache } from './user-cache.js';
import type { User } from './user.entity.js';
import { toUserResponse } from './user.mapper.js';
import { UsersRepository } from './users.repository.js';

/** The fingerprint of a password hash (see passwordFingerprint). */
export function passwordFingerprintOf(hash: string): string {
  return createHash('sha256').update(hash).digest('base64url').slice(0, 22);
}

export interface LoginHistoryEntry {
  userId: string | null;
  ip: string | null;
  userAgent: string | null;
  success: boolean;
  reason: string | null;
}

/**
 * What other modules may ask of users (the module's one exported service): sign-up, the
 * lookups login and the guards need, the writes of the auth flows inside their
 * transactions, and the cache invalidation after a commit.
 */
@Injectable()
export class AccountsService {
  constructor(
    private readonly users: UsersRepository,
    private readonly creation: UserCreationService,
    private readonly queries: UserQueriesService,
    private readonly hasher: PasswordHasher,
    private readonly cache: UserCache,
    private readonly sessions: SessionsService,
    private readonly lockout: LockoutService,
  ) {}

  /** Sign-up; `source` tells consumers of `user.created` whether the compat route was used. */
  async register(dto: RegisterRequestDto, source: CreateSource): Promise<UserResponseDto> {
    const user = await this.creation.create(dto, { role: 'user', isVerified: false, source, actorId: null });
    return toUserResponse(user);
  }

  /** The user through the cache, deactivated or not; erased users read as missing. */
  findOrNull(id: string): Promise<User | null> {
    return this.queries.findOrNull(id);
  }

  getByUsername(username: string, viewer: Viewer | null): Promise<UserViewDto> {
    return this.queries.getByUsername(username, viewer);
  }

  /** The user with its password hash, for credential checks; erased users are not found. */
  async findForLogin(login: { email?: string; username?: string }): Promise<User | null> {
    if (login.email !== undefined) return this.users.findForLogin({ email: canonicalIdentifier(login.email) });
    const username = canonicalUsername(login.username ?? '');
    return username === null ? null : this.users.findForLogin({ username });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.users.findByEmail(AUTOCOMMIT, canonicalIdentifier(email));
  }

  /**
   * Checks the password of a signed-in user (password change, erasure) under the account's
   * lockout, the one login counts on: USER_1003 while locked, USER_1001 when wrong.
   */
  async assertPassword(userId: string, password: string, meta: RequestMeta): Promise<void> {
    const subject = accountSubject(userId);
    await this.lockout.assertNotLocked(subject);
    const hash = await this.users.findHashById(AUTOCOMMIT, userId);
    const { valid } = hash === null ? { valid: false } : await this.hasher.verify(hash, password);
    if (!valid) {
      await this.lockout.recordFailure(subject, userId, meta);
      throw new AppException('USER_1001');
    }
    await this.lockout.clear(subject);
  }

  /**
   * A short digest of the stored password hash: a second login step is bound to the
   * password check that started it, and dies when the password changes in between.
   */
  async passwordFingerprint(userId: string): Promise<string | null> {
    const hash = await this.users.findHashById(AUTOCOMMIT, userId);
    return hash === null ? null : passwordFingerprintOf(hash);
  }

  /** Turns the MFA flag on or off inside `tx` (confirm, disable, admin reset). */
  async setMfaEnabled(tx: Tx, userId: string, enabled: boolean): Promise<void> {
    await this.users.set(tx, userId, { mfaEnabled: enabled });
  }

  /** The stored password hash (null for an unknown id), for the password-history check of a reset. */
  passwordHashOf(userId: string): Promise<string | null> {
    return this.users.findHashById(AUTOCOMMIT, userId);
  }

  /**
   * Sets a new password hash inside `tx` (password change, reset), whose user lock makes the
   * read and the write one step; returns the hash it replaced, for the password history.
   */
  async setPasswordHash(tx: Tx, userId: string, hash: string): Promise<string | null> {
    const replaced = await this.users.findHashById(tx, userId);
    await this.users.set(tx, userId, { passwordHash: hash });
    return replaced;
  }

  /** Stamps the login, and stores the rehash when the stored hash needed one. */
  async markLoggedIn(tx: Tx, userId: string, rehash: string | null): Promise<void> {
    await this.users.set(
      tx,
      userId,
      rehash === null ? { lastLoginAt: new Date() } : { lastLoginAt: new Date(), passwordHash: rehash },
    );
  }

  /**
   * Marks `email` verified, inside the verifying transaction (which holds the user's lock).
   * USER_1007 when the account's address is no longer the one the link was mailed to.
   */
  async markVerified(tx: Tx, userId: string, email: string): Promise<User> {
    const current = await this.users.findById(tx, userId);
    if (current === null || current.deletedAt !== null || current.email !== email) {
      throw new AppException('USER_1007');
    }
    const user = await this.users.update(tx, userId, { isVerified: true });
    if (user === null) throw new AppException('USER_1101');
    return user;
  }

  addLoginHistory(db: Db, entry: LoginHistoryEntry): Promise<void> {
    return this.users.addLoginHistory(db, entry);
  }

  /** After a write commits: drop the cached user on every pod and the revoked sessions' keys. */
  async afterWrite(userId: string, revokedSessions: string[]): Promise<void> {
    await Promise.all([this.cache.invalidate(userId), this.sessions.forget(revokedSessions)]);
  }
}
