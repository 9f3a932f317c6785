import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppException } from '#src/common/errors/app.exception.js';
import { OidcProviderService } from '#src/modules/oidc/oidc-provider.service.js';
import { ACCOUNT_CLIENT_ID, AccountOidcStart } from '../account/account-oidc-start.service.js';
import { PageSessionService } from '../page-session/page-session.service.js';
import type { PageAnswer } from '../rendering/page.js';

const ACCOUNT_PATH = '/account';
/** Codes and states are short base64url strings; anything longer is refused before any lookup. */
const MAX_PARAM_LENGTH = 256;

/**
 * The end of the account page's sign-in through the provider: the state must be the one this
 * browser's cookie holds; the code is redeemed server-side (no HTTP call to ourselves: the
 * provider's model, OidcProviderService.redeemCode: client `account`, redirect URI, PKCE S256,
 * unexpired, consumed once) and the page session names our session the grant is bound to.
 * Every refusal is a 400 page (USER_1007), never a 500.
 */
@Injectable()
export class AccountCallback {
  constructor(
    private readonly provider: OidcProviderService,
    private readonly start: AccountOidcStart,
    private readonly pageSessions: PageSessionService,
  ) {}

  async finish(request: FastifyRequest, reply: FastifyReply, code: unknown, state: unknown): Promise<PageAnswer> {
    const verifier = this.start.takeVerifier(request, reply, typeof state === 'string' ? state : undefined);
    if (verifier === null) throw new AppException('USER_1007', 'Sign-in state missing or not this browser’s');
    if (typeof code !== 'string' || code === '' || code.length > MAX_PARAM_LENGTH)
      throw new AppException('USER_1007', 'Authorization code missing');
    const signedIn = await this.provider.redeemCode({
      code,
      clientId: ACCOUNT_CLIENT_ID,
      redirectUri: this.start.redirectUri,
      verifier,
    });
    this.pageSessions.establish(reply, signedIn);
    return { redirect: ACCOUNT_PATH };
  }
}
