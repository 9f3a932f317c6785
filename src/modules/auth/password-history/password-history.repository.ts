import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '#src/database/transaction.js';

@Injectable()
export class PasswordHistoryRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The user's `limit` most recent earlier hashes, newest first. */
  async recent(userId: string, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    const rows: { password_hash: string }[] = await this.dataSource.query(
      'SELECT password_hash FROM password_history WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2',
      [userId, limit],
    );
    return rows.map((r) => r.password_hash);
  }

  /** Adds a replaced hash and keeps only the newest `keep` of the user's entries (0: none). */
  async push(tx: Tx, userId: string, hash: string, keep: number): Promise<void> {
    if (keep > 0) {
      await tx.manager.query('INSERT INTO password_history (user_id, password_hash) VALUES ($1, $2)', [userId, hash]);
    }
    await tx.manager.query(
      `DELETE FROM password_history WHERE user_id = $1 AND id NOT IN (
         SELECT id FROM password_history WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2)`,
      [userId, keep],
    );
  }

  async deleteAllForUser(tx: Tx, userId: string): Promise<void> {
    await tx.manager.query('DELETE FROM password_history WHERE user_id = $1', [userId]);
  }
}
