import { Module } from '@nestjs/common';
import { AuthModule } from '#src/modules/auth/auth.module.js';
import { MfaModule } from '#src/modules/auth/mfa/mfa.module.js';
import { SessionsModule } from '#src/modules/sessions/sessions.module.js';
import { UsersModule } from '#src/modules/users/users.module.js';
import { AccountOidcStart } from './account/account-oidc-start.service.js';
import { AccountPages } from './account/account-pages.service.js';
import { AccountSignIn } from './account/account-sign-in.service.js';
import { AccountSignInController } from './account/account-sign-in.controller.js';
import { AccountController } from './account/account.controller.js';
import { ConsentPages } from './consent/consent-pages.service.js';
import { VerifyEmailPages } from './email/verify-email-pages.service.js';
import { VerifyEmailController } from './email/verify-email.controller.js';
import { CsrfGuard } from './page-session/csrf.guard.js';
import { CsrfService } from './page-session/csrf.service.js';
import { PageSessionService } from './page-session/page-session.service.js';
import { PageUserGuard } from './page-session/page-user.guard.js';
import { PasswordPages } from './password/password-pages.service.js';
import { PasswordPagesController } from './password/password-pages.controller.js';
import { AssetsController } from './rendering/assets.controller.js';
import { PageExceptionFilter } from './rendering/page-exception.filter.js';
import { PageRenderer } from './rendering/page-renderer.service.js';
import { SignInFlow } from './sign-in/sign-in-flow.service.js';

/**
 * Hosted pages (server-rendered HTML, no script): sign-in with the second factor, consent,
 * verify email, reset password, the account page. Every form runs the use case of its
 * JSON route; the OpenID interaction renders its pages with what this module exports.
 */
@Module({
  imports: [AuthModule, MfaModule, SessionsModule, UsersModule],
  controllers: [
    AssetsController,
    AccountSignInController,
    AccountController,
    VerifyEmailController,
    PasswordPagesController,
  ],
  providers: [
    PageRenderer,
    PageExceptionFilter,
    CsrfService,
    CsrfGuard,
    PageSessionService,
    PageUserGuard,
    SignInFlow,
    ConsentPages,
    AccountSignIn,
    AccountOidcStart,
    AccountPages,
    VerifyEmailPages,
    PasswordPages,
  ],
  exports: [
    AccountOidcStart,
    PageRenderer,
    PageExceptionFilter,
    CsrfService,
    CsrfGuard,
    PageSessionService,
    SignInFlow,
    ConsentPages,
  ],
})
export class PagesModule {}
