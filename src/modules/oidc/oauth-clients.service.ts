import { randomBytes } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppException } from '#src/common/errors/app.exception.js';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { type PageQueryDto, pageOf } from '#src/common/http/page-query.dto.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { AUTOCOMMIT, isUniqueViolation, TransactionRunner } from '#src/database/transaction.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { newClientSecret } from './client-secret.js';
import type {
  OAuthClientPageDto,
  OAuthClientResponseDto,
  OAuthClientWithSecretResponseDto,
  RegisterOAuthClientRequestDto,
} from './dto/oauth-client.dto.js';
import { toOAuthClientResponse } from './oauth-client.mapper.js';
import { OAuthClientsRepository } from './oauth-clients.repository.js';

/** The first-party client of the account page, created at start. */
const ACCOUNT_CLIENT_ID = 'account';

/** OAuth clients as data: registration (secret shown once, kept hashed), reads, rotation, deletion. */
@Injectable()
export class OAuthClientsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(OAuthClientsService.name);

  constructor(
    private readonly repository: OAuthClientsRepository,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** The account page's client (public, first-party, code + PKCE), idempotent: every pod may try. */
  async onApplicationBootstrap(): Promise<void> {
    const inserted = await this.repository.insertIfAbsent(AUTOCOMMIT, {
      clientId: ACCOUNT_CLIENT_ID,
      name: 'Account',
      secretHash: null,
      redirectUris: [`${this.config.http.publicUrl}/account/callback`],
      postLogoutRedirectUris: [`${this.config.http.publicUrl}/account`],
      grantTypes: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'profile', 'email', 'offline_access'],
      audience: null,
      firstParty: true,
      tokenEndpointAuthMethod: 'none',
    });
    if (inserted) this.logger.log(`OAuth client "${ACCOUNT_CLIENT_ID}" (the account page) registered`);
  }

  async register(
    dto: RegisterOAuthClientRequestDto,
    actorId: string,
    meta: RequestMeta,
  ): Promise<OAuthClientWithSecretResponseDto> {
    const method = dto.token_endpoint_auth_method ?? 'client_secret_basic';
    const codeFlow = dto.grant_types.includes('authorization_code');
    if (codeFlow && dto.redirect_uris.length === 0) invalid('redirect_uris', 'required for authorization_code');
    if (method === 'none' && dto.grant_types.includes('client_credentials'))
      invalid('grant_types', 'a public client cannot use client_credentials');
    if (dto.grant_types.includes('refresh_token') && !codeFlow)
      invalid('grant_types', 'refresh_token needs authorization_code');
    const secret = method === 'none' ? null : newClientSecret();
    const clientId = dto.client_id ?? `c-${randomBytes(12).toString('base64url')}`;
    try {
      const client = await this.transactions.run(async (tx) => {
        const created = await this.repository.insert(tx, {
          clientId,
          name: dto.name,
          secretHash: secret?.hash ?? null,
          redirectUris: dto.redirect_uris,
          postLogoutRedirectUris: dto.post_logout_redirect_uris ?? [],
          grantTypes: dto.grant_types,
          scopes: dto.scopes ?? (codeFlow ? ['openid', 'profile', 'email'] : []),
          audience: dto.audience ?? null,
          firstParty: dto.first_party ?? false,
          tokenEndpointAuthMethod: method,
        });
        await this.audit.record(tx, 'oauth_client.register', {
          actorId,
          details: { client_id: clientId, grant_types: dto.grant_types, first_party: created.firstParty },
          meta,
        });
        return created;
      });
      return { ...toOAuthClientResponse(client), client_secret: secret?.secret ?? null };
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppException('OAUTH_1002');
      throw error;
    }
  }

  async list(query: PageQueryDto): Promise<OAuthClientPageDto> {
    const page = pageOf(query);
    const [items, total] = await this.repository.list(AUTOCOMMIT, page.limit, (page.page - 1) * page.limit);
    return { items: items.map(toOAuthClientResponse), total, ...page };
  }

  async get(clientId: string): Promise<OAuthClientResponseDto> {
    return toOAuthClientResponse(await this.found(clientId));
  }

  /** A new secret; the old one stops working at once. */
  async rotateSecret(clientId: string, actorId: string, meta: RequestMeta): Promise<OAuthClientWithSecretResponseDto> {
    const client = await this.found(clientId);
    if (client.tokenEndpointAuthMethod === 'none') throw new AppException('OAUTH_1003');
    const secret = newClientSecret();
    await this.transactions.run(async (tx) => {
      if (!(await this.repository.setSecretHash(tx, clientId, secret.hash))) throw new AppException('OAUTH_1001');
      await this.audit.record(tx, 'oauth_client.rotate_secret', { actorId, details: { client_id: clientId }, meta });
    });
    return { ...toOAuthClientResponse(await this.found(clientId)), client_secret: secret.secret };
  }

  async delete(clientId: string, actorId: string, meta: RequestMeta): Promise<void> {
    await this.transactions.run(async (tx) => {
      if (!(await this.repository.delete(tx, clientId))) throw new AppException('OAUTH_1001');
      await this.audit.record(tx, 'oauth_client.delete', { actorId, details: { client_id: clientId }, meta });
    });
  }

  private async found(clientId: string) {
    const client = await this.repository.findById(AUTOCOMMIT, clientId);
    if (client === null) throw new AppException('OAUTH_1001');
    return client;
  }
}

function invalid(field: string, message: string): never {
  throw new AppException('COMMON_1000', 'Validation failed', [{ field, errors: [message] }]);
}
