import type { CookieSerializeOptions } from '@fastify/cookie';

/** The signed cookie holding the CSRF secret of the browser (a token per form is derived from it). */
export const CSRF_COOKIE = 'us_csrf';

/** The signed cookie naming one of our sessions: the account page's sign-in. */
export const PAGE_SESSION_COOKIE = 'us_page_session';

/** The signed cookie of a started account sign-in through the provider: its state and PKCE verifier (10 min, callback path only). */
export const ACCOUNT_AUTH_COOKIE = 'us_account_auth';

/** HttpOnly, SameSite=Lax, signed with COOKIE_SECRET, Secure over HTTPS; browser-session lifetime. */
export const cookieOptions = (secure: boolean): CookieSerializeOptions => ({
  path: '/',
  httpOnly: true,
  sameSite: 'lax',
  secure,
  signed: true,
});
