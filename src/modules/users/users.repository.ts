import { Injectable } from '@nestjs/common';
import { Brackets, DataSource, type EntityManager } from 'typeorm';
import { PreparedStatements, type Statement } from '#src/database/prepared-statements.js';
import { isUniqueViolation, managerOf, type Db, type Tx } from '#src/database/transaction.js';
import { AppException } from '#src/common/errors/app.exception.js';
import { LoginHistory } from './login-history.entity.js';
import { SealedUserFields } from './sealed-user-fields.js';
import { type Role, User } from './user.entity.js';
import { UserRows } from './user-rows.js';

export interface UserListFilter {
  page: number;
  limit: number;
  q?: string;
  role?: Role;
  isActive?: boolean;
}

export type NewUser = Pick<User, 'email' | 'name' | 'passwordHash'> &
  Partial<Pick<User, 'username' | 'phone' | 'role' | 'isVerified' | 'isActive'>>;

export type UserChanges = Partial<
  Pick<
    User,
    | 'email'
    | 'username'
    | 'name'
    | 'phone'
    | 'role'
    | 'isActive'
    | 'isVerified'
    | 'mfaEnabled'
    | 'businessType'
    | 'businessNumber'
    | 'industry'
    | 'region'
    | 'passwordHash'
    | 'lastLoginAt'
    | 'deletedAt'
  >
>;

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

@Injectable()
export class UsersRepository {
  private readonly rows: UserRows;
  private readonly byEmailForLogin: Statement;
  private readonly byUsernameForLogin: Statement;

  constructor(
    private readonly dataSource: DataSource,
    private readonly sealed: SealedUserFields,
    private readonly statements: PreparedStatements,
  ) {
    this.rows = new UserRows(dataSource);
    const select = `SELECT ${this.rows.selectList} FROM users`;
    this.byEmailForLogin = {
      name: 'user_for_login_by_email',
      text: `${select} WHERE email = $1 AND deleted_at IS NULL`,
    };
    this.byUsernameForLogin = {
      name: 'user_for_login_by_username',
      text: `${select} WHERE lower(username) = lower($1) AND deleted_at IS NULL`,
    };
  }

  async findById(db: Db, id: string): Promise<User | null> {
    return this.opened(await managerOf(this.dataSource, db).findOne(User, { where: { id } }));
  }

  async findByEmail(db: Db, email: string): Promise<User | null> {
    return this.opened(await managerOf(this.dataSource, db).findOne(User, { where: { email } }));
  }

  async findByUsername(db: Db, username: string): Promise<User | null> {
    return this.opened(
      await managerOf(this.dataSource, db)
        .createQueryBuilder(User, 'u')
        .where('lower(u.username) = lower(:username)', { username })
        .getOne(),
    );
  }

  /**
   * The user with the password hash, by email or username, for credential checks: the login's
   * lookup, as a prepared plain-SQL statement read into the entity (UserRows).
   */
  async findForLogin(login: { email?: string; username?: string }): Promise<User | null> {
    const [statement, value] =
      login.email !== undefined ? [this.byEmailForLogin, login.email] : [this.byUsernameForLogin, login.username];
    const [row] = await this.statements.rows<Record<string, unknown>>(statement, [value]);
    return row === undefined ? null : this.sealed.open(this.rows.toEntity(row));
  }

  async findHashById(db: Db, id: string): Promise<string | null> {
    const row = await managerOf(this.dataSource, db)
      .createQueryBuilder(User, 'u')
      .select('u.passwordHash', 'hash')
      .where('u.id = :id', { id })
      .getRawOne<{ hash: string }>();
    return row?.hash ?? null;
  }

  /**
   * Whether `id` is an active admin, and how many other active admins there are, counted
   * under a lock that serialises every change that could remove an admin.
   */
  async adminStanding(tx: Tx, id: string): Promise<{ isAdmin: boolean; others: number }> {
    await tx.manager.query("SELECT pg_advisory_xact_lock(hashtext('user-service:admins'))");
    const rows: { is_admin: boolean | null; others: string }[] = await tx.manager.query(
      `SELECT (SELECT role = 'admin' AND is_active FROM users WHERE id = $1) AS is_admin,
              (SELECT count(*) FROM users WHERE role = 'admin' AND is_active AND deleted_at IS NULL AND id <> $1) AS others`,
      [id],
    );
    return { isAdmin: rows[0]?.is_admin === true, others: Number(rows[0]?.others ?? 0) };
  }

  async existsAdmin(db: Db): Promise<boolean> {
    return managerOf(this.dataSource, db).exists(User, { where: { role: 'admin', isActive: true } });
  }

  /** Inserts a user; a duplicate email or username becomes USER_1102 / USER_1105. */
  async insert(db: Db, data: NewUser): Promise<User> {
    const manager = managerOf(this.dataSource, db);
    try {
      const result = await manager.insert(User, this.sealed.seal(data));
      const id = (result.identifiers[0] as { id: string }).id;
      return this.opened(await manager.findOne(User, { where: { id } })) as User;
    } catch (error) {
      throw translateUniqueViolation(error);
    }
  }

  /** Writes columns without reading the row back (hot paths: login, password change). */
  async set(db: Db, id: string, changes: UserChanges): Promise<void> {
    await managerOf(this.dataSource, db).update(User, { id }, this.sealed.seal(changes));
  }

  /**
   * Writes the changes and reads the row back. A row whose encrypted fields are still under
   * an old key (or from before encryption) is sealed again under the active one on the way:
   * rotation also happens lazily, on write.
   */
  async update(db: Db, id: string, changes: UserChanges): Promise<User | null> {
    const manager = managerOf(this.dataSource, db);
    try {
      if (Object.keys(changes).length > 0) await manager.update(User, { id }, this.sealed.seal(changes));
    } catch (error) {
      throw translateUniqueViolation(error);
    }
    const row = await manager.findOne(User, { where: { id } });
    if (row === null) return null;
    if (!this.sealed.isCurrent(row)) await this.reseal(manager, id, row);
    return this.sealed.open(row);
  }

  /**
   * `npm run keys:reencrypt`, one batch: the next `limit` users after `afterId` (by id) that
   * hold an encrypted field; those not under the active key are sealed again. Returns the
   * last id seen (null at the end) and how many rows were rewritten.
   */
  async resealBatch(afterId: string | null, limit: number): Promise<{ lastId: string | null; resealed: number }> {
    const rows: { id: string; phone: string | null; business_number: string | null }[] = await this.dataSource.query(
      `SELECT id, phone, business_number FROM users
        WHERE ($1::uuid IS NULL OR id > $1::uuid) AND (phone IS NOT NULL OR business_number IS NOT NULL)
        ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
    let resealed = 0;
    for (const row of rows) {
      const stored = { phone: row.phone, businessNumber: row.business_number };
      if (!this.sealed.isCurrent(stored) && (await this.reseal(this.dataSource.manager, row.id, stored))) resealed++;
    }
    return { lastId: rows.length < limit ? null : rows[rows.length - 1].id, resealed };
  }

  /**
   * Seals the stored fields again under the active key, only if no other writer changed
   * them since they were read (that writer sealed its own values): safe while pods run.
   */
  private async reseal(
    manager: EntityManager,
    id: string,
    stored: Pick<User, 'phone' | 'businessNumber'>,
  ): Promise<boolean> {
    const fresh = this.sealed.seal(this.sealed.open({ phone: stored.phone, businessNumber: stored.businessNumber }));
    // Raw SQL: a new key is not a change of the user, so updated_at stays.
    const result: [unknown[], number] = await manager.query(
      `UPDATE users SET phone = $2, business_number = $3
        WHERE id = $1 AND phone IS NOT DISTINCT FROM $4 AND business_number IS NOT DISTINCT FROM $5`,
      [id, fresh.phone, fresh.businessNumber, stored.phone, stored.businessNumber],
    );
    return result[1] > 0;
  }

  async list(filter: UserListFilter): Promise<{ items: User[]; total: number }> {
    const qb = this.dataSource.manager.createQueryBuilder(User, 'u').where('u.deleted_at IS NULL');
    if (filter.q !== undefined && filter.q !== '') {
      const like = `%${escapeLike(filter.q.toLowerCase())}%`;
      qb.andWhere(
        new Brackets((w) => {
          w.where('u.email LIKE :like', { like })
            .orWhere('lower(u.username) LIKE :like', { like })
            .orWhere('lower(u.name) LIKE :like', { like });
        }),
      );
    }
    if (filter.role !== undefined) qb.andWhere('u.role = :role', { role: filter.role });
    if (filter.isActive !== undefined) qb.andWhere('u.is_active = :active', { active: filter.isActive });
    const [items, total] = await qb
      .orderBy('u.created_at', 'DESC')
      .addOrderBy('u.id', 'ASC')
      .skip((filter.page - 1) * filter.limit)
      .take(filter.limit)
      .getManyAndCount();
    return { items: items.map((u) => this.sealed.open(u)), total };
  }

  /** Users not erased with an id after `afterId` (null: from the first), in id order, opened. */
  async exportPage(db: Db, afterId: string | null, limit: number): Promise<User[]> {
    const qb = managerOf(this.dataSource, db).createQueryBuilder(User, 'u').where('u.deleted_at IS NULL');
    if (afterId !== null) qb.andWhere('u.id > :afterId', { afterId });
    const rows = await qb.orderBy('u.id', 'ASC').limit(limit).getMany();
    return rows.map((u) => this.sealed.open(u));
  }

  async addLoginHistory(db: Db, entry: Omit<LoginHistory, 'id' | 'createdAt' | 'user'>): Promise<void> {
    await managerOf(this.dataSource, db).insert(LoginHistory, entry);
  }

  /** Erasure: the user's login history keeps its times and outcomes, not where they came from. */
  async forgetLoginClientDetails(tx: Tx, userId: string): Promise<void> {
    await tx.manager.query(
      'UPDATE login_history SET ip = NULL, user_agent = NULL WHERE user_id = $1 AND (ip IS NOT NULL OR user_agent IS NOT NULL)',
      [userId],
    );
  }

  loginHistory(userId: string): Promise<LoginHistory[]> {
    return this.dataSource.manager.find(LoginHistory, {
      where: { userId },
      order: { createdAt: 'DESC' },
      take: 1000,
    });
  }

  private opened(user: User | null): User | null {
    return user === null ? null : this.sealed.open(user);
  }
}

function translateUniqueViolation(error: unknown): unknown {
  if (isUniqueViolation(error, 'uq_users_email')) return new AppException('USER_1102');
  if (isUniqueViolation(error, 'uq_users_username_lower')) return new AppException('USER_1105');
  return error;
}
