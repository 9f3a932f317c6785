import { Module } from '@nestjs/common';
import { OidcModule } from '#src/modules/oidc/oidc.module.js';
import { PagesModule } from '../pages.module.js';
import { OidcInteractionController } from './oidc-interaction.controller.js';
import { OidcInteractionPages } from './oidc-interaction-pages.service.js';

/** The OpenID provider's interaction pages; only with the provider (not with HS256 keys). */
@Module({
  imports: [PagesModule, OidcModule],
  controllers: [OidcInteractionController],
  providers: [OidcInteractionPages],
})
export class OidcPagesModule {}
