import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppException } from '#src/common/errors/app.exception.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { DurableDelete } from '#src/kv/durable-delete.js';
import { KV_STORE, type KvStore } from '#src/kv/kv-store.js';
import { AUTOCOMMIT, type Db, type Tx } from '#src/database/transaction.js';
import { EventPublisher, userEvent } from '#src/modules/events/event-publisher.js';
import type { UserEvent } from '#src/modules/events/user-events.js';
import type { SessionDto } from './dto/session.dto.js';
import { Session } from './session.entity.js';
import { SessionsRepository } from './sessions.repository.js';
import { hashToken, isOpaqueTokenShape, newOpaqueToken } from './token-hash.js';

const aliveKey = (sid: string): string => `sess:${sid}`;

/** A session about to be stored by a sign-in (SessionsService.draft). */
export interface SessionDraft {
  id: string;
  userId: string;
  /** Handed to the client once; only its hash is stored. */
  refreshToken: string;
  refreshTokenHash: string;
  ipAddress: string | null;
  userAgent: string | null;
  expiresAt: Date;
  /** The user's other live sessions to keep, newest first; older ones end with reason session_limit. */
  keepOthers: number;
}

/**
 * The session store. PostgreSQL holds the truth; Redis holds a `sess:<id>` key per live
 * session so the JWT guard answers "is this session alive?" with one GET on every pod.
 * A missing key is checked against PostgreSQL (Redis may have restarted empty), and a
 * Redis outage falls back to PostgreSQL.
 */
@Injectable()
export class SessionsService {
  private readonly logger = new Logger(SessionsService.name);
  private readonly deletes: DurableDelete;

  constructor(
    private readonly repository: SessionsRepository,
    private readonly events: EventPublisher,
    @Inject(KV_STORE) private readonly kv: KvStore,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.deletes = new DurableDelete(kv);
  }

  /** Records `user.logged_out` for sessions ended in `tx` (logout, revocation, eviction, erasure...). */
  async recordLogout(tx: Tx, userId: string, sessionIds: string[], reason: string): Promise<void> {
    await this.events.record(tx, this.logoutEvent(userId, sessionIds, reason));
  }

  /** The `user.logged_out` event, for a caller that records it with its own events in one insert. */
  logoutEvent(userId: string, sessionIds: string[], reason: string): UserEvent {
    return userEvent('user.logged_out', userId, { user_id: userId, session_ids: sessionIds, reason });
  }

  /**
   * A new session as the sign-in stores it (auth's sign-in statement writes it with the
   * user's other sign-in rows): its id, its first refresh token and only that token's hash
   * for the row, its expiry, and how many of the user's other live sessions it leaves
   * (MAX_SESSIONS_PER_USER counts the new one).
   */
  draft(input: { userId: string; ip: string | null; userAgent: string | null }): SessionDraft {
    const refreshToken = newOpaqueToken();
    return {
      id: randomUUID(),
      userId: input.userId,
      refreshToken,
      refreshTokenHash: hashToken(refreshToken),
      ipAddress: input.ip,
      userAgent: input.userAgent,
      expiresAt: new Date(Date.now() + this.config.jwt.refreshTtlSeconds * 1000),
      keepOthers: Math.max(0, this.config.sessions.maxPerUser - 1),
    };
  }

  /** After the sign-in that stored `session` commits: let every pod see it, and drop the evicted ones' keys. */
  async publishOpened(session: { id: string; expiresAt: Date }, evicted: string[]): Promise<void> {
    await this.forget(evicted);
    await this.remember(session.id, session.expiresAt);
  }

  /**
   * Rotates a refresh token. A token already spent means it was stolen or replayed:
   * its whole session ends and the caller gets USER_1006. A string that cannot be a token of
   * ours (any shape, any length) gets USER_1006 too, without a lookup.
   */
  async rotate(
    refreshToken: string,
  ): Promise<{ sessionId: string; userId: string; refreshToken: string; expiresAt: Date }> {
    if (!isOpaqueTokenShape(refreshToken)) throw new AppException('USER_1006');
    const next = newOpaqueToken();
    const row = await this.repository.rotate(hashToken(refreshToken), hashToken(next));
    if (row === null) throw new AppException('USER_1006');
    return { sessionId: row.id, userId: row.user_id, refreshToken: next, expiresAt: new Date(row.expires_at) };
  }

  /** Was this hash spent before? Then the session it belonged to is revoked (reuse detection). */
  async detectReuse(refreshToken: string): Promise<{ sessionId: string; userId: string } | null> {
    if (!isOpaqueTokenShape(refreshToken)) return null;
    return this.repository.findSpent(AUTOCOMMIT, hashToken(refreshToken));
  }

  async revoke(db: Db, ids: string[], reason: string): Promise<string[]> {
    return this.repository.revoke(db, ids, reason);
  }

  async revokeAllForUser(db: Db, userId: string, reason: string, exceptId: string | null = null): Promise<string[]> {
    return this.repository.revokeAllForUser(db, userId, reason, exceptId);
  }

  /** Erasure, inside its transaction: the IP and user agent of every session of the user go. */
  forgetClientDetails(tx: Tx, userId: string): Promise<void> {
    return this.repository.forgetClientDetails(tx, userId);
  }

  /** After a revocation commits: drop the Redis keys so the next request on any pod is refused. */
  async forget(ids: string[]): Promise<void> {
    if (!(await this.deletes.delete(ids.map(aliveKey)))) {
      this.logger.warn(
        { sessions: ids.length },
        'Redis unreachable: revoked sessions are checked in PostgreSQL until their keys are deleted',
      );
    }
  }

  private async remember(id: string, expiresAt: Date): Promise<void> {
    const ttl = Math.max(1, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
    await this.kv.set(aliveKey(id), '1', ttl).catch(() => undefined);
  }

  /** Is the session alive? One Redis GET; PostgreSQL when the key is missing or Redis is down. */
  async isAlive(sessionId: string): Promise<boolean> {
    if (this.deletes.isPending(aliveKey(sessionId))) return false;
    try {
      if ((await this.kv.get(aliveKey(sessionId))) !== null) return true;
    } catch {
      return (await this.repository.isActive(sessionId)) !== null;
    }
    const row = await this.repository.isActive(sessionId);
    if (row === null) return false;
    await this.remember(sessionId, row.expiresAt);
    return true;
  }

  async list(userId: string, currentSessionId: string): Promise<SessionDto[]> {
    const sessions = await this.repository.listActive(AUTOCOMMIT, userId);
    return sessions.map((s) => ({
      id: s.id,
      created_at: s.createdAt.toISOString(),
      last_used_at: s.lastUsedAt.toISOString(),
      expires_at: s.expiresAt.toISOString(),
      ip_address: s.ipAddress,
      user_agent: s.userAgent,
      current: s.id === currentSessionId,
    }));
  }

  findById(id: string): Promise<Session | null> {
    return this.repository.findById(AUTOCOMMIT, id);
  }

  listAllForExport(userId: string): Promise<Session[]> {
    return this.repository.listAll(userId);
  }

  countActive(): Promise<number> {
    return this.repository.countActive();
  }
}
