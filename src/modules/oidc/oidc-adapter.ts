import type { Adapter, AdapterPayload } from 'oidc-provider';
import { AUTOCOMMIT } from '#src/database/transaction.js';
import type { OAuthClient } from './oauth-client.entity.js';
import type { OAuthClientsRepository } from './oauth-clients.repository.js';
import type { OidcPayloadsRepository, StoredPayload } from './oidc-payloads.repository.js';

/** The scopes the provider knows itself; a client may ask for those it is registered with. */
export const OIDC_SCOPES = ['openid', 'offline_access', 'profile', 'email'];

/** The models a grant (and so one of our sessions) stands behind. */
export const GRANT_MODEL = 'Grant';
/** Our own model in the same table: a provider session (by uid) bound to one of our sessions. */
export const SESSION_BINDING_MODEL = 'SessionBinding';

export interface AdapterDeps {
  payloads: OidcPayloadsRepository;
  clients: OAuthClientsRepository;
  /** Is our session alive (not revoked, not expired)? */
  isSessionAlive(sessionId: string): Promise<boolean>;
}

/** The client metadata oidc-provider reads, from our `oauth_clients` row. */
function clientMetadata(client: OAuthClient, idTokenAlg: string): AdapterPayload {
  const codeFlow = client.grantTypes.includes('authorization_code');
  const oidcScopes = client.scopes.filter((s) => OIDC_SCOPES.includes(s));
  return {
    client_id: client.clientId,
    client_name: client.name,
    // The hash: oidc-provider's comparison is replaced by one that hashes the presented secret.
    ...(client.secretHash === null ? {} : { client_secret: client.secretHash }),
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    grant_types: client.grantTypes,
    response_types: codeFlow ? ['code'] : [],
    token_endpoint_auth_method: client.tokenEndpointAuthMethod as AdapterPayload['token_endpoint_auth_method'],
    // OpenID scopes go to the provider's own checks; API scopes (client_credentials) to the resource server's.
    ...(oidcScopes.length === 0 ? {} : { scope: oidcScopes.join(' ') }),
    api_scopes: client.scopes.filter((s) => !OIDC_SCOPES.includes(s)).join(' '),
    id_token_signed_response_alg: idTokenAlg as AdapterPayload['id_token_signed_response_alg'],
    first_party: client.firstParty,
    ...(client.audience === null ? {} : { audience: client.audience }),
  };
}

/**
 * oidc-provider's storage on PostgreSQL (one table, `oidc_payloads`), clients read from
 * `oauth_clients`. A grant bound to one of our sessions reads as gone once that session is
 * revoked or expired: introspection then answers inactive, refresh and userinfo refuse.
 */
export class OidcAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly deps: AdapterDeps,
    private readonly idTokenAlg: string,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    if (this.model === 'Client') throw new Error('clients are registered through the admin routes');
    const expiresAt = expiresIn > 0 ? new Date(Date.now() + expiresIn * 1000) : null;
    await this.deps.payloads.upsert(AUTOCOMMIT, this.model, id, payload, expiresAt, {
      grantId: this.model === GRANT_MODEL ? id : (payload.grantId ?? null),
      userCode: payload.userCode ?? null,
      uid: payload.uid ?? null,
    });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (this.model === 'Client') {
      const client = await this.deps.clients.findWithSecretHash(AUTOCOMMIT, id);
      return client === null ? undefined : clientMetadata(client, this.idTokenAlg);
    }
    const stored = await this.deps.payloads.find(AUTOCOMMIT, this.model, id);
    if (stored === null) return undefined;
    if (this.model === GRANT_MODEL && !(await this.bindingAlive(stored))) return undefined;
    return toPayload(stored);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const stored = await this.deps.payloads.findByUid(AUTOCOMMIT, this.model, uid);
    return stored === null ? undefined : toPayload(stored);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const stored = await this.deps.payloads.findByUserCode(AUTOCOMMIT, this.model, userCode);
    return stored === null ? undefined : toPayload(stored);
  }

  async consume(id: string): Promise<void> {
    await this.deps.payloads.consume(AUTOCOMMIT, this.model, id);
  }

  async destroy(id: string): Promise<void> {
    await this.deps.payloads.destroy(AUTOCOMMIT, this.model, id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.deps.payloads.revokeByGrantId(AUTOCOMMIT, grantId);
  }

  /** Every grant of a user's sign-in is bound to our session; one that is not is refused. */
  private async bindingAlive(stored: StoredPayload): Promise<boolean> {
    return stored.sessionId !== null && (await this.deps.isSessionAlive(stored.sessionId));
  }
}

function toPayload(stored: StoredPayload): AdapterPayload {
  const payload = stored.payload as AdapterPayload;
  return stored.consumedAt === null
    ? payload
    : { ...payload, consumed: Math.floor(stored.consumedAt.getTime() / 1000) };
}
