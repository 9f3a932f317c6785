import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { managerOf, type Tx } from '#src/database/transaction.js';
import { OneTimeToken, type OneTimeTokenPurpose } from './one-time-token.entity.js';

@Injectable()
export class OneTimeTokensRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    data: { userId: string; purpose: OneTimeTokenPurpose; tokenHash: string; expiresAt: Date },
    tx?: Tx,
  ): Promise<void> {
    await managerOf(this.dataSource, tx).insert(OneTimeToken, data);
  }

  /** Whose token this is (used or not), so the consuming transaction can take that user's lock first. */
  async ownerOf(tokenHash: string, purpose: OneTimeTokenPurpose): Promise<string | null> {
    const rows: { user_id: string }[] = await this.dataSource.query(
      'SELECT user_id FROM one_time_tokens WHERE token_hash = $1 AND purpose = $2',
      [tokenHash, purpose],
    );
    return rows[0]?.user_id ?? null;
  }

  /** Marks a live token used, in one statement: a token works exactly once even under concurrency. */
  async consume(tokenHash: string, purpose: OneTimeTokenPurpose, tx: Tx): Promise<string | null> {
    const result: [{ user_id: string }[], number] = await tx.manager.query(
      `UPDATE one_time_tokens SET used_at = now()
       WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
       RETURNING user_id`,
      [tokenHash, purpose],
    );
    return result[0][0]?.user_id ?? null;
  }

  /** Older unused tokens of the same purpose stop working when a new one is issued or one is used. */
  async invalidateAll(userId: string, purpose: OneTimeTokenPurpose, tx?: Tx): Promise<void> {
    await managerOf(this.dataSource, tx).query(
      'UPDATE one_time_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL',
      [userId, purpose],
    );
  }
}
