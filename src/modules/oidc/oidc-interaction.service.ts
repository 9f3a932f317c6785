import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { AppException } from '#src/common/errors/app.exception.js';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { KV_STORE, type KvStore } from '#src/kv/kv-store.js';
import { LoginService } from '#src/modules/auth/login.service.js';
import { OidcProviderService, OUR_SESSION_RESULT } from './oidc-provider.service.js';

export interface InteractionView {
  uid: string;
  prompt: 'login' | 'consent';
  client: { clientId: string; name: string; firstParty: boolean };
  /** The scopes the client asks for (consent shows them). */
  scopes: string[];
  /** A second factor is due (the password was right): the page asks for the code. */
  mfaPending: boolean;
}

/** What a sign-in, second-factor or consent step answers: where the browser goes next, or what to ask. */
export type InteractionOutcome = { kind: 'redirect'; to: string } | { kind: 'mfa_required'; methods: string[] };

const mfaKey = (uid: string): string => `oidc:mfa:${uid}`;
const MFA_PENDING_TTL_SECONDS = 300;

/**
 * The provider's interactions (sign-in, second factor, consent) on top of OUR login use-case:
 * the hosted pages call these with the raw request and response, and render the outcome.
 * A finished sign-in opens one of our sessions and hands it to the provider with the result.
 */
@Injectable()
export class OidcInteractionService {
  constructor(
    private readonly oidc: OidcProviderService,
    private readonly login: LoginService,
    @Inject(KV_STORE) private readonly kv: KvStore,
  ) {}

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
      mfaPending: (await this.kv.get(mfaKey(interaction.uid))) !== null,
    };
  }

  /** The password step: lockout, history and metrics as POST /auth/login. */
  async signIn(
    req: IncomingMessage,
    res: ServerResponse,
    credentials: { email: string; password: string },
    meta: RequestMeta,
  ): Promise<InteractionOutcome> {
    const interaction = await this.interaction(req, res);
    if (interaction.prompt.name !== 'login') throw new AppException('OAUTH_1004');
    const clientId = String(interaction.params.client_id);
    const result = await this.login.signIn(credentials, meta, clientId);
    if (result.kind === 'mfa_required') {
      // The mfa_token stays on the server, keyed by the interaction (bound to this browser by its cookie).
      await this.kv.set(mfaKey(interaction.uid), result.mfaToken, MFA_PENDING_TTL_SECONDS);
      return { kind: 'mfa_required', methods: result.methods };
    }
    return this.finishSignIn(req, res, result.userId, result.sessionId);
  }

  /** The second factor: a TOTP `code` or a `recovery_code`. */
  async secondFactor(
    req: IncomingMessage,
    res: ServerResponse,
    input: { code?: string; recovery_code?: string },
    meta: RequestMeta,
  ): Promise<InteractionOutcome> {
    const interaction = await this.interaction(req, res);
    const mfaToken = await this.kv.get(mfaKey(interaction.uid));
    if (mfaToken === null) throw new AppException('OAUTH_1004', 'Sign in again: the second step expired');
    const result = await this.login.signInSecondStep(
      { mfa_token: mfaToken, ...input },
      meta,
      String(interaction.params.client_id),
    );
    await this.kv.del(mfaKey(interaction.uid));
    return this.finishSignIn(req, res, result.userId, result.sessionId);
  }

  /** Consent for a third-party client: a grant of what it asked for, bound to our session; or a refusal. */
  async consent(req: IncomingMessage, res: ServerResponse, approve: boolean): Promise<InteractionOutcome> {
    const interaction = await this.interaction(req, res);
    if (interaction.prompt.name !== 'consent') throw new AppException('OAUTH_1004');
    if (!approve) {
      const to = await this.oidc.provider.interactionResult(req, res, {
        error: 'access_denied',
        error_description: 'the user refused the request',
      });
      return { kind: 'redirect', to };
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
    const to = await this.oidc.provider.interactionResult(
      req,
      res,
      { consent: { grantId } },
      { mergeWithLastSubmission: true },
    );
    return { kind: 'redirect', to };
  }

  private async finishSignIn(
    req: IncomingMessage,
    res: ServerResponse,
    userId: string,
    sessionId: string,
  ): Promise<InteractionOutcome> {
    const to = await this.oidc.provider.interactionResult(req, res, {
      login: { accountId: userId, remember: true },
      [OUR_SESSION_RESULT]: sessionId,
    });
    return { kind: 'redirect', to };
  }

  private async interaction(req: IncomingMessage, res: ServerResponse) {
    try {
      return await this.oidc.provider.interactionDetails(req, res);
    } catch {
      throw new AppException('OAUTH_1004');
    }
  }
}
