import { createHash, hkdfSync, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import Provider, {
  type Account,
  type Configuration,
  errors,
  type Grant,
  interactionPolicy,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { AppException } from '#src/common/errors/app.exception.js';
import { AUTOCOMMIT } from '#src/database/transaction.js';
import { oidcTokensIssued } from '#src/metrics/metrics.js';
import { TokenService } from '#src/modules/auth/token.service.js';
import { SessionRevocationService } from '#src/modules/sessions/session-revocation.service.js';
import { SessionsService } from '#src/modules/sessions/sessions.service.js';
import { AccountsService } from '#src/modules/users/accounts.service.js';
import { clientSecretMatches } from './client-secret.js';
import { OAuthClientsRepository } from './oauth-clients.repository.js';
import { GRANT_MODEL, OIDC_SCOPES, OidcAdapter, SESSION_BINDING_MODEL } from './oidc-adapter.js';
import { OidcPayloadsRepository } from './oidc-payloads.repository.js';

/** The key of an interaction result that carries our session id from the sign-in to the provider. */
export const OUR_SESSION_RESULT = 'user_service_session';

const SWEEP_INTERVAL_MS = 10 * 60 * 1000;
const SWEEP_BATCH = 5000;
const INTERACTION_TTL_SECONDS = 600;

/**
 * oidc-provider, configured for this service: code + PKCE (S256) only, client credentials with
 * resource indicators, refresh tokens rotating with reuse detection, introspection, revocation,
 * RP-initiated logout. The users, passwords, MFA and sessions are ours: every grant a user
 * gives is bound to one of our sessions (oidc-adapter.ts), and the keys are our JWT keys.
 */
@Injectable()
export class OidcProviderService implements OnModuleDestroy {
  private readonly logger = new Logger(OidcProviderService.name);
  readonly provider: Provider;
  /** Where the provider is mounted: the issuer URL's path (`/oidc` by default). */
  readonly mountPath: string;
  private readonly sweep: NodeJS.Timeout;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly payloads: OidcPayloadsRepository,
    private readonly clients: OAuthClientsRepository,
    private readonly sessions: SessionsService,
    private readonly revocation: SessionRevocationService,
    private readonly accounts: AccountsService,
    private readonly tokens: TokenService,
  ) {
    this.mountPath = new URL(config.oidc.issuer).pathname.replace(/\/+$/, '');
    this.provider = new Provider(config.oidc.issuer, this.configuration());
    // The issuer is the one public URL: endpoint URLs come from it, never from Host headers
    // (the mount sets the forwarded headers from the issuer; see oidc-mount.ts).
    this.provider.proxy = true;
    // The adapter gives the SHA-256 of the secret as client_secret: hash what the client
    // presents (client_secret_basic / _post; client_secret_jwt is not offered).
    this.provider.Client.prototype.compareClientSecret = function (this: { clientSecret?: string }, actual: string) {
      return this.clientSecret !== undefined && clientSecretMatches(this.clientSecret, actual);
    };
    this.provider.on('grant.success', (ctx: KoaContextWithOIDC) => countIssued(ctx));
    // RP-initiated logout (confirmed by the user) ends our session behind the sign-in too,
    // before the answer leaves (a Koa middleware runs on after the route).
    this.provider.use(async (ctx, next) => {
      await next();
      const oidc = (ctx as KoaContextWithOIDC).oidc as KoaContextWithOIDC['oidc'] | undefined;
      if (oidc?.route !== 'end_session_confirm' || oidc.params?.logout === undefined) return;
      await this.endBoundSession(ctx as KoaContextWithOIDC);
    });
    this.provider.on('server_error', (_ctx: KoaContextWithOIDC, error: Error) =>
      this.logger.error({ err: error }, 'OpenID provider error'),
    );
    this.sweep = setInterval(() => void this.sweepExpired(), SWEEP_INTERVAL_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweep);
  }

  /** Our session bound to a provider session (by its uid), if it is still alive. */
  async boundSession(providerSessionUid: string): Promise<string | null> {
    const stored = await this.payloads.find(AUTOCOMMIT, SESSION_BINDING_MODEL, providerSessionUid);
    const sessionId = stored?.sessionId ?? null;
    return sessionId !== null && (await this.sessions.isAlive(sessionId)) ? sessionId : null;
  }

  /**
   * Redeems an authorization code of a first-party client server-side, as the token endpoint
   * would but with no token: the code must be this client's, for this redirect URI, match the
   * PKCE S256 challenge, be unexpired and unused; it is consumed (once, atomically). Answers
   * the user and our session the code's grant is bound to (still alive). Any failure: USER_1007.
   */
  async redeemCode(input: { code: string; clientId: string; redirectUri: string; verifier: string }): Promise<{
    userId: string;
    sessionId: string;
  }> {
    const refuse = (): never => {
      throw new AppException('USER_1007', 'Authorization code invalid or expired');
    };
    const code = await this.provider.AuthorizationCode.find(input.code).catch(() => undefined);
    if (code === undefined || code.isExpired) return refuse();
    if (code.clientId !== input.clientId || code.redirectUri !== input.redirectUri) return refuse();
    if (code.codeChallengeMethod !== 'S256' || typeof code.codeChallenge !== 'string') return refuse();
    const computed = Buffer.from(createHash('sha256').update(input.verifier).digest('base64url'));
    const expected = Buffer.from(code.codeChallenge);
    if (computed.length !== expected.length || !timingSafeEqual(computed, expected)) return refuse();
    if (
      (code as { consumed?: unknown }).consumed !== undefined ||
      !(await this.payloads.consumeOnce(AUTOCOMMIT, 'AuthorizationCode', code.jti))
    )
      return refuse();
    const grantId = code.grantId;
    const accountId = code.accountId;
    if (typeof grantId !== 'string' || typeof accountId !== 'string') return refuse();
    const sessionId = (await this.payloads.find(AUTOCOMMIT, GRANT_MODEL, grantId))?.sessionId ?? null;
    if (sessionId === null || !(await this.sessions.isAlive(sessionId))) return refuse();
    return { userId: accountId, sessionId };
  }

  /** Saves a grant and binds it to our session: it lives no longer than that session. */
  async saveBoundGrant(grant: Grant, sessionId: string): Promise<string> {
    const grantId = await grant.save();
    await this.payloads.bindSession(AUTOCOMMIT, GRANT_MODEL, grantId, sessionId);
    return grantId;
  }

  private async bindProviderSession(providerSessionUid: string, sessionId: string): Promise<void> {
    await this.payloads.upsert(
      AUTOCOMMIT,
      SESSION_BINDING_MODEL,
      providerSessionUid,
      {},
      new Date(Date.now() + this.config.jwt.refreshTtlSeconds * 1000),
      { grantId: null, userCode: null, uid: null },
    );
    await this.payloads.bindSession(AUTOCOMMIT, SESSION_BINDING_MODEL, providerSessionUid, sessionId);
  }

  private async endBoundSession(ctx: KoaContextWithOIDC): Promise<void> {
    const { uid, accountId } = ctx.oidc.session ?? {};
    if (uid === undefined || accountId === undefined) return;
    try {
      const sessionId = await this.boundSession(uid);
      if (sessionId !== null) await this.revocation.end(accountId, [sessionId], 'logout');
    } catch (error) {
      this.logger.warn({ err: error }, 'OpenID provider: ending the session behind a logout failed');
    }
  }

  private async sweepExpired(): Promise<void> {
    try {
      let deleted: number;
      do deleted = await this.payloads.deleteExpired(AUTOCOMMIT, SWEEP_BATCH);
      while (deleted === SWEEP_BATCH);
    } catch (error) {
      this.logger.warn({ err: error }, 'OpenID provider: the sweep of expired rows failed; retried later');
    }
  }

  private configuration(): Configuration {
    const keys = this.tokens.signingKeys;
    if (keys.algorithm === 'HS256') throw new Error('the OpenID provider needs ES256 or RS256 keys');
    const signingJwk = { ...keys.signingKey.export({ format: 'jwk' }), kid: keys.kid, alg: keys.algorithm, use: 'sig' };
    // Cookie keys derived from the signing key: every pod of a release has the same ones, with no new secret to manage.
    const cookieKey = Buffer.from(
      hkdfSync('sha256', keys.signingKey.export({ format: 'der', type: 'pkcs8' }), 'user-service', 'oidc-cookies', 32),
    ).toString('base64url');
    const deps = {
      payloads: this.payloads,
      clients: this.clients,
      isSessionAlive: (id: string) => this.sessions.isAlive(id),
    };
    const accessTtl = this.config.jwt.accessTtlSeconds;
    const refreshTtl = this.config.jwt.refreshTtlSeconds;
    const policy = interactionPolicy.base();
    // Signed in at the provider, but our session behind it is gone (revoked, expired): sign in again.
    policy.get('login')?.checks.add(
      new interactionPolicy.Check('session_unbound', 'our session behind the sign-in has ended', async (ctx) => {
        const uid = ctx.oidc.session?.uid;
        if (ctx.oidc.session?.accountId === undefined || uid === undefined)
          return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        if (typeof ctx.oidc.result?.[OUR_SESSION_RESULT] === 'string') return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        return (await this.boundSession(uid)) === null
          ? interactionPolicy.Check.REQUEST_PROMPT
          : interactionPolicy.Check.NO_NEED_TO_PROMPT;
      }),
    );
    return {
      adapter: (model: string) => new OidcAdapter(model, deps, keys.algorithm),
      jwks: { keys: [signingJwk] },
      cookies: { keys: [cookieKey] },
      clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
      responseTypes: ['code'],
      pkce: { required: () => true },
      scopes: OIDC_SCOPES,
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified'],
        profile: ['name', 'preferred_username', 'updated_at'],
      },
      extraClientMetadata: { properties: ['first_party', 'audience', 'api_scopes'] },
      clientDefaults: { id_token_signed_response_alg: keys.algorithm, grant_types: ['authorization_code'] },
      enabledJWA: {
        idTokenSigningAlgValues: [keys.algorithm],
        userinfoSigningAlgValues: [keys.algorithm],
        introspectionSigningAlgValues: [keys.algorithm],
        authorizationSigningAlgValues: [keys.algorithm],
        clientAuthSigningAlgValues: ['ES256', 'RS256', 'PS256'],
        requestObjectSigningAlgValues: ['ES256', 'RS256', 'PS256'],
      },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        // A public client may ask only about its own tokens; a confidential one (a resource server) about any.
        introspection: {
          enabled: true,
          allowedPolicy: (ctx, client, token) =>
            client.clientAuthMethod !== 'none' || token.clientId === ctx.oidc.client?.clientId,
        },
        revocation: {
          enabled: true,
          allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
        },
        userinfo: { enabled: true },
        rpInitiatedLogout: { enabled: true },
        resourceIndicators: {
          enabled: true,
          // A client_credentials request without `resource` is for the client's registered audience.
          defaultResource: (ctx, client, oneOf) => {
            if (oneOf !== undefined) return oneOf;
            const audience = client.metadata().audience;
            return ctx.oidc.params?.grant_type === 'client_credentials' && typeof audience === 'string'
              ? audience
              : undefined;
          },
          useGrantedResource: () => false,
          getResourceServerInfo: (_ctx, resource, client) => {
            // Only the client's own audience: a token for any other resource is refused (invalid_target).
            if (client.metadata().audience !== resource)
              throw new errors.InvalidTarget('the resource is not this client’s audience');
            return {
              scope: text(client.metadata().api_scopes, ''),
              audience: resource,
              accessTokenTTL: accessTtl,
              accessTokenFormat: 'opaque',
            };
          },
        },
      },
      interactions: {
        // The hosted pages' route (pages/oidc), wherever the issuer's path mounts the provider.
        url: (_ctx, interaction) => `/oidc/interaction/${interaction.uid}`,
        policy,
      },
      loadExistingGrant: (ctx) => this.loadExistingGrant(ctx),
      // Refresh tokens for every client allowed the grant (as /api/v1 logins get one), rotated on every use.
      issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      rotateRefreshToken: true,
      findAccount: (_ctx, sub) => this.findAccount(sub),
      ttl: {
        AccessToken: accessTtl,
        ClientCredentials: accessTtl,
        AuthorizationCode: 60,
        IdToken: accessTtl,
        Interaction: INTERACTION_TTL_SECONDS,
        RefreshToken: refreshTtl,
        Session: refreshTtl,
        Grant: refreshTtl,
      },
      renderError: (ctx, out) => {
        ctx.type = 'application/json';
        ctx.body = out;
      },
    };
  }

  /**
   * Binds a fresh sign-in's provider session to our session, then finds the grant; for a
   * first-party client, gives one at once (no consent screen), bound to our session.
   */
  private async loadExistingGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
    const { session, client, result } = ctx.oidc;
    if (session === undefined || client === undefined) return undefined;
    const signedIn = result?.[OUR_SESSION_RESULT];
    if (typeof signedIn === 'string') await this.bindProviderSession(session.uid, signedIn);
    const consented = (result?.consent as { grantId?: string } | undefined)?.grantId;
    const grantId = consented ?? session.grantIdFor(client.clientId);
    if (grantId !== undefined) {
      const grant = await this.provider.Grant.find(grantId);
      if (grant !== undefined) return grant;
    }
    if (client.metadata().first_party !== true || session.accountId === undefined) return undefined;
    const ourSession = typeof signedIn === 'string' ? signedIn : await this.boundSession(session.uid);
    if (ourSession === null) return undefined;
    const grant = new this.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    grant.addOIDCScope(text(ctx.oidc.params?.scope, 'openid'));
    const claims = ctx.oidc.claims as { id_token?: object; userinfo?: object } | undefined;
    const requested = [...Object.keys(claims?.id_token ?? {}), ...Object.keys(claims?.userinfo ?? {})];
    if (requested.length > 0) grant.addOIDCClaims(requested);
    await this.saveBoundGrant(grant, ourSession);
    return grant;
  }

  private async findAccount(sub: string): Promise<Account | undefined> {
    const user = await this.accounts.findOrNull(sub);
    if (user === null || !user.isActive) return undefined;
    return {
      accountId: user.id,
      claims: () => ({
        sub: user.id,
        email: user.email,
        email_verified: user.isVerified,
        name: user.name,
        ...(user.username === null ? {} : { preferred_username: user.username }),
        updated_at: Math.floor(user.updatedAt.getTime() / 1000),
      }),
    };
  }
}

/** oidc_tokens_issued_total: what one token response carried, by grant type. */
function countIssued(ctx: KoaContextWithOIDC): void {
  const grantType = text(ctx.oidc.params?.grant_type, 'unknown');
  const body = ctx.body as Record<string, unknown> | undefined;
  for (const kind of ['access_token', 'id_token', 'refresh_token']) {
    if (typeof body?.[kind] === 'string') oidcTokensIssued.inc({ grant_type: grantType, kind });
  }
}

/** A request parameter as text, or the fallback when it is absent or not a string. */
const text = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback);
