import { Injectable } from '@nestjs/common';
import { Tokens } from '@fastify/csrf';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppException } from '#src/common/errors/app.exception.js';
import { assertFormBody } from '#src/common/http/form-body.js';
import { PageRenderer } from '../rendering/page-renderer.service.js';
import { CSRF_COOKIE, cookieOptions } from './cookies.js';

/** The form field every page form carries its token in. */
const CSRF_FIELD = '_csrf';

/**
 * CSRF protection of every page form (@fastify/csrf, the token scheme of
 * @fastify/csrf-protection): a random secret per browser in a signed HttpOnly cookie, a
 * salted token derived from it in each form. A cross-site form can neither read the token
 * nor, SameSite=Lax aside, plant its own secret (the cookie is signed with COOKIE_SECRET).
 */
@Injectable()
export class CsrfService {
  private readonly tokens = new Tokens({});

  constructor(private readonly renderer: PageRenderer) {}

  /** A token for the form about to be rendered; sets the secret cookie when the browser has none. */
  token(request: FastifyRequest, reply: FastifyReply): string {
    const known = this.secretOf(request);
    if (known !== null) return this.tokens.create(known);
    const secret = this.tokens.secretSync();
    void reply.setCookie(CSRF_COOKIE, secret, cookieOptions(this.renderer.secureCookies));
    // A second form of this same request uses the same secret.
    request.cookies[CSRF_COOKIE] = reply.signCookie(secret);
    return this.tokens.create(secret);
  }

  /** Refuses (403 COMMON_1003) a form whose token is missing or was not made for this browser. */
  assert(request: FastifyRequest): void {
    // A body the form parser refused (too large, a repeated field) is refused first, as a page.
    assertFormBody(request.body);
    const secret = this.secretOf(request);
    const body = request.body as Record<string, unknown> | undefined;
    const token = body?.[CSRF_FIELD];
    if (secret === null || typeof token !== 'string' || !this.tokens.verify(secret, token)) {
      throw new AppException(
        'COMMON_1003',
        'The form expired or did not come from this site: reload the page and try again',
      );
    }
  }

  private secretOf(request: FastifyRequest): string | null {
    const raw = request.cookies[CSRF_COOKIE];
    if (raw === undefined) return null;
    const unsigned = request.unsignCookie(raw);
    return unsigned.valid && unsigned.value !== null && unsigned.value !== '' ? unsigned.value : null;
  }
}
