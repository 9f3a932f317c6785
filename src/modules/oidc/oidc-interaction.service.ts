import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';
import { AppException } from '#src/common/errors/app.exception.js';
import { OidcProviderService, OUR_SESSION_RESULT } from './oidc-provider.service.js';

export interface InteractionView {
  uid: string;
  prompt: 'login' | 'consent';
  client: { clientId: string; name: string; firstParty: boolean };
  /** The scopes the client asks for (consent shows them). */
  scopes: string[];
}

/**
 * The provider's interactions (sign-in, consent) as the hosted pages need them, on the raw
 * request and response (the interaction cookie binds them to the browser). The sign-in itself
 * is OUR login use case (the pages' SignInFlow); its session is handed to the provider here.
 */
@Injectable()
export class OidcInteractionService {
  constructor(private readonly oidc: OidcProviderService) {}

  /** The interaction of this browser: what to show. OAUTH_1004 when unknown or expired. */
  async details(req: IncomingMessage, res: ServerResponse): Promise<InteractionView> {
    const interaction = await this.interaction(req, res);
    const client = await this.oidc.provider.Client.find(String(interaction.params.client_id));
    if (client === undefined) throw new AppException('OAUTH_1004');
    return {
      uid: interaction.uid,
      prompt: interaction.prompt.name === 'consent' ? 'consent' : 'login',
      client: {
        clientId: client.clientId,
        name: client.clientName ?? client.clientId,
        firstParty: client.metadata().first_party === true,
      },
      scopes: (typeof interaction.params.scope === 'string' ? interaction.params.scope : '')
        .split(' ')
        .filter((s) => s !== ''),
    };
  }

  /**
   * A finished sign-in (one of our sessions is open): the provider signs the account in and
   * binds its session to ours. Answers where the browser goes next.
   */
  async finishSignIn(req: IncomingMessage, res: ServerResponse, userId: string, sessionId: string): Promise<string> {
    const interaction = await this.interaction(req, res);
    if (interaction.prompt.name !== 'login') throw new AppException('OAUTH_1004');
    return this.oidc.provider.interactionResult(req, res, {
      login: { accountId: userId, remember: true },
      [OUR_SESSION_RESULT]: sessionId,
    });
  }

  /** Consent for a third-party client: a grant of what it asked for, bound to our session; or a refusal. */
  async consent(req: IncomingMessage, res: ServerResponse, approve: boolean): Promise<string> {
    const interaction = await this.interaction(req, res);
    if (interaction.prompt.name !== 'consent') throw new AppException('OAUTH_1004');
    if (!approve) {
      return this.oidc.provider.interactionResult(req, res, {
        error: 'access_denied',
        error_description: 'the user refused the request',
      });
    }
    const accountId = interaction.session?.accountId;
    const sessionUid = interaction.session?.uid;
    const ourSession = sessionUid === undefined ? null : await this.oidc.boundSession(sessionUid);
    if (accountId === undefined || ourSession === null) throw new AppException('OAUTH_1004');
    const { Grant } = this.oidc.provider;
    const existing = interaction.grantId === undefined ? undefined : await Grant.find(interaction.grantId);
    const grant = existing ?? new Grant({ accountId, clientId: String(interaction.params.client_id) });
    const details = interaction.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (details.missingOIDCScope !== undefined) grant.addOIDCScope(details.missingOIDCScope.join(' '));
    if (details.missingOIDCClaims !== undefined) grant.addOIDCClaims(details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await this.oidc.saveBoundGrant(grant, ourSession);
    return this.oidc.provider.interactionResult(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  private async interaction(req: IncomingMessage, res: ServerResponse) {
    try {
      return await this.oidc.provider.interactionDetails(req, res);
    } catch {
      throw new AppException('OAUTH_1004');
    }
  }
}
