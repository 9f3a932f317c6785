import { Module } from '@nestjs/common';
import { AuditModule } from '#src/modules/audit/audit.module.js';
import { AuthModule } from '#src/modules/auth/auth.module.js';
import { SessionsModule } from '#src/modules/sessions/sessions.module.js';
import { UsersModule } from '#src/modules/users/users.module.js';
import { OAuthClientsController } from './oauth-clients.controller.js';
import { OAuthClientsRepository } from './oauth-clients.repository.js';
import { OAuthClientsService } from './oauth-clients.service.js';
import { OidcInteractionService } from './oidc-interaction.service.js';
import { OidcPayloadsRepository } from './oidc-payloads.repository.js';
import { OidcProviderService } from './oidc-provider.service.js';

/** The OpenID Connect provider (oidc-provider at /oidc), its interactions, and OAuth clients as data. */
@Module({
  imports: [AuthModule, UsersModule, SessionsModule, AuditModule],
  controllers: [OAuthClientsController],
  providers: [
    OidcProviderService,
    OidcInteractionService,
    OAuthClientsService,
    OAuthClientsRepository,
    OidcPayloadsRepository,
  ],
  exports: [OidcProviderService, OidcInteractionService],
})
export class OidcModule {}
