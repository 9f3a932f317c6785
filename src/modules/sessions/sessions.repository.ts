import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PreparedStatements, type Statement } from '#src/database/prepared-statements.js';
import { managerOf, type Db, type Tx } from '#src/database/transaction.js';
import { Session } from './session.entity.js';

interface SessionRow {
  id: string;
  user_id: string;
  expires_at: Date;
}

/**
 * A refresh token's rotation in one statement: the live session holding `$1` takes `$2`, and
 * `$1` is kept as spent (reuse detection). Prepared: it is the refresh route's one statement.
 */
const ROTATE: Statement = {
  name: 'rotate_refresh_token',
  text: `WITH rotated AS (
           UPDATE sessions SET refresh_token_hash = $2, last_used_at = now()
           WHERE refresh_token_hash = $1 AND revoked_at IS NULL AND expires_at > now()
           RETURNING id, user_id, expires_at
         ), spent AS (
           INSERT INTO spent_refresh_tokens (token_hash, session_id) SELECT $1, id FROM rotated
         )
         SELECT id, user_id, expires_at FROM rotated`,
};

@Injectable()
export class SessionsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly statements: PreparedStatements,
  ) {}

  findById(db: Db, id: string): Promise<Session | null> {
    return managerOf(this.dataSource, db).findOne(Session, { where: { id } });
  }

  /** Live sessions of a user, newest first. */
  listActive(db: Db, userId: string): Promise<Session[]> {
    return managerOf(this.dataSource, db)
      .createQueryBuilder(Session, 's')
      .where('s.user_id = :userId AND s.revoked_at IS NULL AND s.expires_at > now()', { userId })
      .orderBy('s.created_at', 'DESC')
      .addOrderBy('s.id', 'DESC')
      .getMany();
  }

  listAll(userId: string): Promise<Session[]> {
    return this.dataSource.manager.find(Session, { where: { userId }, order: { createdAt: 'DESC' }, take: 1000 });
  }

  async isActive(id: string): Promise<{ userId: string; expiresAt: Date } | null> {
    const rows: SessionRow[] = await this.dataSource.query(
      'SELECT id, user_id, expires_at FROM sessions WHERE id = $1 AND revoked_at IS NULL AND expires_at > now()',
      [id],
    );
    const row = rows[0];
    return row === undefined ? null : { userId: row.user_id, expiresAt: new Date(row.expires_at) };
  }

  /**
   * Swaps the refresh token hash and remembers the spent one in a single statement (one
   * round trip, atomic without an explicit transaction): of two concurrent refreshes with
   * the same token, the row lock lets exactly one match.
   */
  async rotate(oldHash: string, newHash: string): Promise<SessionRow | null> {
    const rows = await this.statements.rows<SessionRow>(ROTATE, [oldHash, newHash]);
    return rows[0] ?? null;
  }

  async findSpent(db: Db, hash: string): Promise<{ sessionId: string; userId: string } | null> {
    const rows: { session_id: string; user_id: string }[] = await managerOf(this.dataSource, db).query(
      `SELECT t.session_id, s.user_id FROM spent_refresh_tokens t JOIN sessions s ON s.id = t.session_id
       WHERE t.token_hash = $1`,
      [hash],
    );
    const row = rows[0];
    return row === undefined ? null : { sessionId: row.session_id, userId: row.user_id };
  }

  /** Revokes the given sessions (those still live); returns the ids actually revoked. */
  async revoke(db: Db, ids: string[], reason: string): Promise<string[]> {
    if (ids.length === 0) return [];
    const result: [{ id: string }[], number] = await managerOf(this.dataSource, db).query(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $2
       WHERE id = ANY($1::uuid[]) AND revoked_at IS NULL RETURNING id`,
      [ids, reason],
    );
    return result[0].map((r) => r.id);
  }

  async revokeAllForUser(db: Db, userId: string, reason: string, exceptId: string | null): Promise<string[]> {
    const result: [{ id: string }[], number] = await managerOf(this.dataSource, db).query(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $2
       WHERE user_id = $1 AND revoked_at IS NULL AND ($3::uuid IS NULL OR id <> $3::uuid) RETURNING id`,
      [userId, reason, exceptId],
    );
    return result[0].map((r) => r.id);
  }

  /** Erasure: the user's sessions (all revoked by then) keep their times, not the client's address or agent. */
  async forgetClientDetails(tx: Tx, userId: string): Promise<void> {
    await tx.manager.query(
      `UPDATE sessions SET ip_address = NULL, user_agent = NULL
       WHERE user_id = $1 AND (ip_address IS NOT NULL OR user_agent IS NOT NULL)`,
      [userId],
    );
  }

  async countActive(): Promise<number> {
    const rows: { n: string }[] = await this.dataSource.query(
      'SELECT count(*) AS n FROM sessions WHERE revoked_at IS NULL AND expires_at > now()',
    );
    return Number(rows[0]?.n ?? 0);
  }
}
