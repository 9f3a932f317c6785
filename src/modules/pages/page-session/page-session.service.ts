import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { UserPrincipal } from '#src/common/auth/principal.js';
import { SessionsService } from '#src/modules/sessions/sessions.service.js';
import { AccountsService } from '#src/modules/users/accounts.service.js';
import type { User } from '#src/modules/users/user.entity.js';
import { PageRenderer } from '../rendering/page-renderer.service.js';
import { PAGE_SESSION_COOKIE, cookieOptions } from './cookies.js';

/** A sign-in of the pages: one of OUR sessions (sessions table), whoever opened it. */
export interface PageSignIn {
  userId: string;
  sessionId: string;
}

/** The signed-in user of a page request, as the services' principal and the user row. */
export interface PageUser {
  principal: UserPrincipal;
  user: User;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The page session: a signed HttpOnly cookie naming one of our sessions and its user. It
 * holds no token and no expiry of its own: every request asks SessionsService whether the
 * session is alive (one Redis GET), so a session ended anywhere (DELETE /sessions/{id},
 * logout-all, a password change, deactivation) signs the page out at once. How the session
 * was opened is not its business: the OpenID provider's code flow with the first-party
 * `account` client (/account/callback), or the pages' own form without the provider (HS256).
 */
@Injectable()
export class PageSessionService {
  constructor(
    private readonly sessions: SessionsService,
    private readonly accounts: AccountsService,
    private readonly renderer: PageRenderer,
  ) {}

  establish(reply: FastifyReply, signIn: PageSignIn): void {
    void reply.setCookie(
      PAGE_SESSION_COOKIE,
      `${signIn.sessionId}.${signIn.userId}`,
      cookieOptions(this.renderer.secureCookies),
    );
  }

  clear(reply: FastifyReply): void {
    void reply.clearCookie(PAGE_SESSION_COOKIE, { path: '/' });
  }

  /** The cookie's sign-in, or null (none, forged, or not of our shape). Says nothing of liveness. */
  signInOf(request: FastifyRequest): PageSignIn | null {
    const raw = request.cookies[PAGE_SESSION_COOKIE];
    if (raw === undefined) return null;
    const unsigned = request.unsignCookie(raw);
    if (!unsigned.valid || unsigned.value === null) return null;
    const [sessionId = '', userId = '', ...rest] = unsigned.value.split('.');
    if (rest.length > 0 || !UUID.test(sessionId) || !UUID.test(userId)) return null;
    return { sessionId, userId };
  }

  /** The signed-in user when the cookie's session is alive and its user active; else null. */
  async current(request: FastifyRequest): Promise<PageUser | null> {
    const signIn = this.signInOf(request);
    if (signIn === null || !(await this.sessions.isAlive(signIn.sessionId))) return null;
    const user = await this.accounts.findOrNull(signIn.userId);
    if (user === null || !user.isActive) return null;
    return {
      user,
      principal: {
        kind: 'user',
        userId: user.id,
        sessionId: signIn.sessionId,
        role: user.role,
        email: user.email,
        mfaEnabled: user.mfaEnabled,
      },
    };
  }
}
