import { Module } from '@nestjs/common';
import { OidcModule } from '#src/modules/oidc/oidc.module.js';
import { PagesModule } from '../pages.module.js';
import { AccountCallbackController } from './account-callback.controller.js';
import { AccountCallback } from './account-callback.service.js';
import { OidcInteractionController } from './oidc-interaction.controller.js';
import { OidcInteractionPages } from './oidc-interaction-pages.service.js';

/** The OpenID provider's interaction pages and the account page's callback; only with the provider (not with HS256 keys). */
@Module({
  imports: [PagesModule, OidcModule],
  controllers: [OidcInteractionController, AccountCallbackController],
  providers: [OidcInteractionPages, AccountCallback],
})
export class OidcPagesModule {}
