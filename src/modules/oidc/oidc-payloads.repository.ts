import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type Db, managerOf } from '#src/database/transaction.js';

export interface StoredPayload {
  payload: Record<string, unknown>;
  consumedAt: Date | null;
  sessionId: string | null;
}

export interface PayloadIndexes {
  grantId: string | null;
  userCode: string | null;
  uid: string | null;
}

interface Row {
  payload: Record<string, unknown>;
  consumed_at: Date | null;
  session_id: string | null;
}

const LIVE = '(expires_at IS NULL OR expires_at > now())';
const toStored = (row: Row | undefined): StoredPayload | null =>
  row === undefined ? null : { payload: row.payload, consumedAt: row.consumed_at, sessionId: row.session_id };

/** oidc-provider's models (grants, codes, tokens, sessions, interactions) in `oidc_payloads`. */
@Injectable()
export class OidcPayloadsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts or replaces a model; a replace keeps the session the row is bound to. */
  async upsert(
    db: Db,
    type: string,
    id: string,
    payload: Record<string, unknown>,
    expiresAt: Date | null,
    indexes: PayloadIndexes,
  ): Promise<void> {
    await managerOf(this.dataSource, db).query(
      `INSERT INTO oidc_payloads (type, id, payload, grant_id, user_code, uid, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (type, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
         user_code = EXCLUDED.user_code, uid = EXCLUDED.uid, expires_at = EXCLUDED.expires_at`,
      [type, id, JSON.stringify(payload), indexes.grantId, indexes.userCode, indexes.uid, expiresAt],
    );
  }

  async find(db: Db, type: string, id: string): Promise<StoredPayload | null> {
    const rows: Row[] = await managerOf(this.dataSource, db).query(
      `SELECT payload, consumed_at, session_id FROM oidc_payloads WHERE type = $1 AND id = $2 AND ${LIVE}`,
      [type, id],
    );
    return toStored(rows[0]);
  }

  async findByUid(db: Db, type: string, uid: string): Promise<StoredPayload | null> {
    const rows: Row[] = await managerOf(this.dataSource, db).query(
      `SELECT payload, consumed_at, session_id FROM oidc_payloads WHERE type = $1 AND uid = $2 AND ${LIVE} LIMIT 1`,
      [type, uid],
    );
    return toStored(rows[0]);
  }

  async findByUserCode(db: Db, type: string, userCode: string): Promise<StoredPayload | null> {
    const rows: Row[] = await managerOf(this.dataSource, db).query(
      `SELECT payload, consumed_at, session_id FROM oidc_payloads WHERE type = $1 AND user_code = $2 AND ${LIVE} LIMIT 1`,
      [type, userCode],
    );
    return toStored(rows[0]);
  }

  async consume(db: Db, type: string, id: string): Promise<void> {
    await managerOf(this.dataSource, db).query(
      'UPDATE oidc_payloads SET consumed_at = now() WHERE type = $1 AND id = $2 AND consumed_at IS NULL',
      [type, id],
    );
  }

  /** Marks a model consumed; true for the one call that did it (a second, concurrent or later, gets false). */
  async consumeOnce(db: Db, type: string, id: string): Promise<boolean> {
    const result: [unknown[], number] = await managerOf(this.dataSource, db).query(
      'UPDATE oidc_payloads SET consumed_at = now() WHERE type = $1 AND id = $2 AND consumed_at IS NULL RETURNING 1',
      [type, id],
    );
    return result[1] === 1;
  }

  async destroy(db: Db, type: string, id: string): Promise<void> {
    await managerOf(this.dataSource, db).query('DELETE FROM oidc_payloads WHERE type = $1 AND id = $2', [type, id]);
  }

  /** Every model of a grant (its codes and tokens), whatever their type: a revoked grant takes them all. */
  async revokeByGrantId(db: Db, grantId: string): Promise<void> {
    await managerOf(this.dataSource, db).query('DELETE FROM oidc_payloads WHERE grant_id = $1', [grantId]);
  }

  /** Binds a stored model (a grant, a provider session) to one of our sessions. */
  async bindSession(db: Db, type: string, id: string, sessionId: string): Promise<void> {
    await managerOf(this.dataSource, db).query('UPDATE oidc_payloads SET session_id = $3 WHERE type = $1 AND id = $2', [
      type,
      id,
      sessionId,
    ]);
  }

  /** The sweep: rows past their expiry, at most `limit` per call; the number deleted. */
  async deleteExpired(db: Db, limit: number): Promise<number> {
    // TypeORM answers a DELETE with [rows, affected].
    const result: [unknown[], number] = await managerOf(this.dataSource, db).query(
      `DELETE FROM oidc_payloads WHERE ctid IN (
         SELECT ctid FROM oidc_payloads WHERE expires_at < now() LIMIT $1
       ) RETURNING 1`,
      [limit],
    );
    return result[1];
  }
}
