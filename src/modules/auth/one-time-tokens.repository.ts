import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { managerOf, type Db, type Tx } from '#src/database/transaction.js';
import { OneTimeToken, type OneTimeTokenPurpose } from './one-time-token.entity.js';

@Injectable()
export class OneTimeTokensRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    db: Db,
    data: { userId: string; purpose: OneTimeTokenPurpose; tokenHash: string; expiresAt: Date; email?: string | null },
  ): Promise<void> {
    await managerOf(this.dataSource, db).insert(OneTimeToken, data);
  }

  /**
   * Whose live (unused, unexpired) token this is, or null: checked before any costly work,
   * and so the consuming transaction can take that user's lock first.
   */
  async liveOwnerOf(tokenHash: string, purpose: OneTimeTokenPurpose): Promise<string | null> {
    const rows: { user_id: string }[] = await this.dataSource.query(
      `SELECT user_id FROM one_time_tokens
        WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()`,
      [tokenHash, purpose],
    );
    return rows[0]?.user_id ?? null;
  }

  /**
   * Marks a live token used, in one statement: a token works exactly once even under
   * concurrency. Returns its user and the address it was issued for.
   */
  async consume(
    tx: Tx,
    tokenHash: string,
    purpose: OneTimeTokenPurpose,
  ): Promise<{ userId: string; email: string | null } | null> {
    const result: [{ user_id: string; email: string | null }[], number] = await tx.manager.query(
      `UPDATE one_time_tokens SET used_at = now()
       WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
       RETURNING user_id, email`,
      [tokenHash, purpose],
    );
    const row = result[0][0];
    return row === undefined ? null : { userId: row.user_id, email: row.email };
  }

  /** How many unused, unexpired tokens of the purpose the user holds. */
  async countLive(db: Db, userId: string, purpose: OneTimeTokenPurpose): Promise<number> {
    const rows: { n: number }[] = await managerOf(this.dataSource, db).query(
      `SELECT count(*)::int AS n FROM one_time_tokens
        WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()`,
      [userId, purpose],
    );
    return rows[0]?.n ?? 0;
  }

  /** Unused tokens of the purpose stop working (a new verification link, a completed reset). */
  async invalidateAll(db: Db, userId: string, purpose: OneTimeTokenPurpose): Promise<void> {
    await managerOf(this.dataSource, db).query(
      'UPDATE one_time_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL',
      [userId, purpose],
    );
  }

  /** Erasure: every token of the user goes, with the addresses they were issued for. */
  async deleteAllForUser(tx: Tx, userId: string): Promise<void> {
    await tx.manager.query('DELETE FROM one_time_tokens WHERE user_id = $1', [userId]);
  }
}
