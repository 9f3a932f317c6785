import type { OAuthClient } from './oauth-client.entity.js';
import type { OAuthClientResponseDto } from './dto/oauth-client.dto.js';

/** The wire shape of a client: never its secret hash. */
export function toOAuthClientResponse(client: OAuthClient): OAuthClientResponseDto {
  return {
    client_id: client.clientId,
    name: client.name,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    grant_types: client.grantTypes,
    scopes: client.scopes,
    audience: client.audience,
    first_party: client.firstParty,
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    created_at: client.createdAt.toISOString(),
    updated_at: client.updatedAt.toISOString(),
  };
}
