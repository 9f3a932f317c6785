import { Injectable } from '@nestjs/common';
import { PreparedStatements, type Statement } from '#src/database/prepared-statements.js';
import type { SessionDraft } from '#src/modules/sessions/sessions.service.js';
import { outboxRow, outboxTraceContext, type UserEvent } from '#src/modules/events/user-events.js';

/** What a successful sign-in writes, besides the session itself. */
export interface SignInWrite {
  session: SessionDraft;
  /** The new hash when the stored one was of another cost or format, else null. */
  rehash: string | null;
  /** Recorded in order after the session (user.logged_in). */
  events: UserEvent[];
  /** Recorded when the session pushed others past the limit; their ids are added as `session_ids`. */
  onEviction: UserEvent;
}

const SIGN_IN_WRITE: Statement = {
  name: 'sign_in_write',
  text: 'SELECT sign_in_write($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11::jsonb) AS evicted',
};

interface SignInRow {
  evicted: string[];
}

/**
 * A successful sign-in's writes in one statement (migration SignInInOneStatement): under the
 * user's advisory lock, the user row (`last_login_at`, the rehash), its login-history row, the
 * session with the end of those past MAX_SESSIONS_PER_USER, and the outbox rows. One round
 * trip where the transaction took six (docs/performance.md, "Login in one statement").
 */
@Injectable()
export class SignInRepository {
  constructor(private readonly statements: PreparedStatements) {}

  /** The ids of the sessions this sign-in pushed past the limit. */
  async write(w: SignInWrite): Promise<{ evicted: string[] }> {
    const s = w.session;
    const rows = await this.statements.rows<SignInRow>(SIGN_IN_WRITE, [
      s.userId,
      w.rehash,
      s.ipAddress,
      s.userAgent,
      s.id,
      s.refreshTokenHash,
      s.expiresAt,
      s.keepOthers,
      JSON.stringify(w.events.map(outboxRow)),
      JSON.stringify(outboxRow(w.onEviction)),
      outboxTraceContext(),
    ]);
    const row = rows[0];
    if (row === undefined) throw new Error('sign_in_write returned no row');
    return { evicted: row.evicted };
  }
}
