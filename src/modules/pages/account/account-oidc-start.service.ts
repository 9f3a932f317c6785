import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { ACCOUNT_AUTH_COOKIE, cookieOptions } from '../page-session/cookies.js';
import { PageRenderer } from '../rendering/page-renderer.service.js';

/** The first-party client of the account page (created at start by the oidc module). */
export const ACCOUNT_CLIENT_ID = 'account';
/** Where the provider sends the account page's authorization code back. */
const ACCOUNT_CALLBACK_PATH = '/account/callback';
/** How long a started sign-in (its state and PKCE verifier) may take: the provider's interaction lifetime. */
const AUTH_COOKIE_SECONDS = 600;

/**
 * The account page signs in through the OpenID provider, as any relying party: a signed-out
 * browser goes to `/oidc/auth` with the `account` client, PKCE (S256) and a state, the verifier
 * and the state kept in a short-lived signed HttpOnly cookie scoped to the callback path. With
 * HS256 keys there is no provider (app.module.ts): the pages' own sign-in form stays.
 */
@Injectable()
export class AccountOidcStart {
  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly renderer: PageRenderer,
  ) {}

  /** Whether the provider runs (the same rule as app.module.ts: none with HS256 keys). */
  get enabled(): boolean {
    return this.config.jwt.algorithm !== 'HS256';
  }

  get redirectUri(): string {
    return `${this.config.http.publicUrl}${ACCOUNT_CALLBACK_PATH}`;
  }

  /** Starts a sign-in: sets the state cookie and answers the provider's authorization URL. */
  begin(reply: FastifyReply): string {
    const state = randomBytes(16).toString('base64url');
    const verifier = randomBytes(32).toString('base64url');
    void reply.setCookie(ACCOUNT_AUTH_COOKIE, `${state}.${verifier}`, {
      ...cookieOptions(this.renderer.secureCookies),
      path: ACCOUNT_CALLBACK_PATH,
      maxAge: AUTH_COOKIE_SECONDS,
    });
    const query = new URLSearchParams({
      client_id: ACCOUNT_CLIENT_ID,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: this.redirectUri,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state,
    });
    return `${this.config.oidc.issuer}/auth?${query.toString()}`;
  }

  /**
   * The PKCE verifier of the sign-in this browser started, when `state` is its state; null
   * otherwise (no cookie, forged, another sign-in's state). The cookie is cleared either way:
   * a state is good for one callback.
   */
  takeVerifier(request: FastifyRequest, reply: FastifyReply, state: string | undefined): string | null {
    const raw = request.cookies[ACCOUNT_AUTH_COOKIE];
    if (raw === undefined) return null;
    void reply.clearCookie(ACCOUNT_AUTH_COOKIE, { path: ACCOUNT_CALLBACK_PATH });
    const unsigned = request.unsignCookie(raw);
    if (!unsigned.valid || unsigned.value === null || typeof state !== 'string') return null;
    const [expected = '', verifier = '', ...rest] = unsigned.value.split('.');
    if (rest.length > 0 || expected === '' || verifier === '') return null;
    const a = Buffer.from(expected);
    const b = Buffer.from(state);
    return a.length === b.length && timingSafeEqual(a, b) ? verifier : null;
  }
}
