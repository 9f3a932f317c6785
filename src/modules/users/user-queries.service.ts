import { Injectable } from '@nestjs/common';
import { AUTOCOMMIT } from '#src/database/transaction.js';
import { AppException } from '#src/common/errors/app.exception.js';
import { pageOf } from '#src/common/http/page-query.dto.js';
import {
  EXPORT_DEFAULT_LIMIT,
  type ListUsersQueryDto,
  type UserExportPageDto,
  type UserExportQueryDto,
  type UserResponseDto,
  type UserViewDto,
} from './dto/user.dto.js';
import { decodeExportCursor, encodeExportCursor } from './export-cursor.policy.js';
import type { LoginHistory } from './login-history.entity.js';
import { UserCache } from './user-cache.js';
import type { Role, User } from './user.entity.js';
import { toPublicUser, toUserResponse } from './user.mapper.js';
import { UsersRepository } from './users.repository.js';

export interface Viewer {
  userId: string;
  role: Role;
}

/** Reads of users: through the shared cache by id, the views by caller, the admin list. */
@Injectable()
export class UserQueriesService {
  constructor(
    private readonly users: UsersRepository,
    private readonly cache: UserCache,
  ) {}

  /** The user through the cache, deactivated or not; erased users read as missing. */
  async findOrNull(id: string): Promise<User | null> {
    const user = await this.cache.get(id, (uid) => this.users.findById(AUTOCOMMIT, uid));
    return user === null || user.deletedAt !== null ? null : user;
  }

  /** As findOrNull, or USER_1101. */
  async require(id: string): Promise<User> {
    const user = await this.findOrNull(id);
    if (user === null) throw new AppException('USER_1101');
    return user;
  }

  /** The caller's own account, from the row the guard read for this request (CurrentAccount). */
  me(account: User): UserResponseDto {
    return toUserResponse(account);
  }

  /** Self, admins and moderators see everything; others the public view. */
  async getById(id: string, viewer: Viewer | null): Promise<UserViewDto> {
    return this.view(await this.require(id), viewer);
  }

  async getByUsername(username: string, viewer: Viewer | null): Promise<UserViewDto> {
    const found = await this.users.findByUsername(AUTOCOMMIT, username);
    if (found === null || found.deletedAt !== null) throw new AppException('USER_1101');
    return this.view(found, viewer);
  }

  /** Service-token callers (viewer null) are trusted back ends and get the full user. */
  private view(user: User, viewer: Viewer | null): UserViewDto {
    if (viewer === null || viewer.userId === user.id || viewer.role === 'admin' || viewer.role === 'moderator') {
      return toUserResponse(user);
    }
    return toPublicUser(user);
  }

  async list(
    query: ListUsersQueryDto,
  ): Promise<{ items: UserResponseDto[]; total: number; page: number; limit: number }> {
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

  /**
   * One page of every user not erased, in id order, for consumers rebuilding their copy
   * (docs/events: the backfill path). Reads PostgreSQL, not the cache: a backfill would
   * only evict what the cache is for.
   */
  async exportPage(query: UserExportQueryDto): Promise<UserExportPageDto> {
    const limit = query.limit ?? EXPORT_DEFAULT_LIMIT;
    const after = query.after === undefined ? null : decodeExportCursor(query.after);
    // The DTO's pattern admits only cursors that decode; this keeps it so if the two ever part.
    if (query.after !== undefined && after === null) {
      throw new AppException('COMMON_1000', undefined, [{ field: 'after', errors: ['not a cursor of this service'] }]);
    }
    const rows = await this.users.exportPage(AUTOCOMMIT, after, limit + 1);
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return {
      items: items.map(toUserResponse),
      next_cursor: rows.length > limit && last !== undefined ? encodeExportCursor(last.id) : null,
    };
  }

  loginHistory(userId: string): Promise<LoginHistory[]> {
    return this.users.loginHistory(userId);
  }
}
