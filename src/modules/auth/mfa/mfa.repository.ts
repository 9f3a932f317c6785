import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '#src/database/transaction.js';

export interface StoredTotpSecret {
  ciphertext: string;
  confirmed: boolean;
}

/** The MFA tables: the encrypted TOTP secret and the recovery-code hashes. */
@Injectable()
export class MfaRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findSecret(userId: string): Promise<StoredTotpSecret | null> {
    const rows: { secret_ciphertext: string; confirmed_at: Date | null }[] = await this.dataSource.query(
      'SELECT secret_ciphertext, confirmed_at FROM mfa_totp_secrets WHERE user_id = $1',
      [userId],
    );
    const row = rows[0];
    return row === undefined ? null : { ciphertext: row.secret_ciphertext, confirmed: row.confirmed_at !== null };
  }

  /** Stores a pending secret, replacing a pending one; false when a confirmed one is there. */
  async savePending(tx: Tx, userId: string, ciphertext: string): Promise<boolean> {
    const rows: unknown[] = await tx.manager.query(
      `INSERT INTO mfa_totp_secrets (user_id, secret_ciphertext) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET secret_ciphertext = EXCLUDED.secret_ciphertext, created_at = now()
       WHERE mfa_totp_secrets.confirmed_at IS NULL
       RETURNING user_id`,
      [userId, ciphertext],
    );
    return rows.length === 1;
  }

  /** Confirms the pending secret; false when there is none (confirmed meanwhile, or reset). */
  async confirm(tx: Tx, userId: string): Promise<boolean> {
    const result: [unknown[], number] = await tx.manager.query(
      'UPDATE mfa_totp_secrets SET confirmed_at = now() WHERE user_id = $1 AND confirmed_at IS NULL RETURNING user_id',
      [userId],
    );
    return result[0].length === 1;
  }

  /** The old set stops working: it is deleted with the new one written. */
  async replaceRecoveryCodes(tx: Tx, userId: string, hashes: string[]): Promise<void> {
    await tx.manager.query('DELETE FROM mfa_recovery_codes WHERE user_id = $1', [userId]);
    await tx.manager.query('INSERT INTO mfa_recovery_codes (user_id, code_hash) SELECT $1, unnest($2::varchar[])', [
      userId,
      hashes,
    ]);
  }

  /** Marks an unused code used, in one statement (a code works once, even under concurrency). */
  async consumeRecoveryCode(userId: string, hash: string): Promise<boolean> {
    const result: [unknown[], number] = await this.dataSource.query(
      `UPDATE mfa_recovery_codes SET used_at = now()
        WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING id`,
      [userId, hash],
    );
    return result[0].length === 1;
  }

  async countUnusedRecoveryCodes(userId: string): Promise<number> {
    const rows: { n: number }[] = await this.dataSource.query(
      'SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL',
      [userId],
    );
    return rows[0]?.n ?? 0;
  }

  /** Disable, admin reset and erasure: the secret and every recovery code go. */
  async deleteAllForUser(tx: Tx, userId: string): Promise<void> {
    await tx.manager.query('DELETE FROM mfa_recovery_codes WHERE user_id = $1', [userId]);
    await tx.manager.query('DELETE FROM mfa_totp_secrets WHERE user_id = $1', [userId]);
  }

  async anySecretStored(): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query('SELECT 1 FROM mfa_totp_secrets LIMIT 1');
    return rows.length > 0;
  }
}
