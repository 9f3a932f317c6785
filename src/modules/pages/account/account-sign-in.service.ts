import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import type { SecondFactorFormDto, SignInFormDto } from '../dto/page-forms.dto.js';
import { PageSessionService } from '../page-session/page-session.service.js';
import { AccountOidcStart } from './account-oidc-start.service.js';
import type { PageAnswer } from '../rendering/page.js';
import { SignInFlow, type SignInStep, type SignInView } from '../sign-in/sign-in-flow.service.js';

const ACCOUNT_PATH = '/account';

const VIEW: SignInView = { action: '/account/signin', secondFactorAction: '/account/signin/second-factor' };

/**
 * The account page's sign-in. With the OpenID provider (ES256/RS256 keys) it is the `account`
 * client's code flow: the page only redirects to `/oidc/auth` (AccountOidcStart), and the
 * form's POSTs send the browser there too. Without it (HS256 keys) it is the hosted sign-in
 * form (SignInFlow), its session kept in the page-session cookie.
 */
@Injectable()
export class AccountSignIn {
  constructor(
    private readonly flow: SignInFlow,
    private readonly pageSessions: PageSessionService,
    private readonly oidcStart: AccountOidcStart,
  ) {}

  async page(request: FastifyRequest, reply: FastifyReply): Promise<PageAnswer> {
    if ((await this.pageSessions.current(request)) !== null) return { redirect: ACCOUNT_PATH };
    if (this.oidcStart.enabled) return { redirect: this.oidcStart.begin(reply) };
    return this.flow.page(request, reply, VIEW);
  }

  async password(
    request: FastifyRequest,
    reply: FastifyReply,
    form: SignInFormDto,
    meta: RequestMeta,
  ): Promise<PageAnswer> {
    if (this.oidcStart.enabled) return { redirect: this.oidcStart.begin(reply) };
    return this.finish(reply, await this.flow.submitPassword(request, reply, form, meta, VIEW));
  }

  async secondFactor(
    request: FastifyRequest,
    reply: FastifyReply,
    form: SecondFactorFormDto,
    meta: RequestMeta,
  ): Promise<PageAnswer> {
    if (this.oidcStart.enabled) return { redirect: this.oidcStart.begin(reply) };
    return this.finish(reply, await this.flow.submitSecondFactor(request, reply, form, meta, VIEW));
  }

  private finish(reply: FastifyReply, step: SignInStep): PageAnswer {
    if ('page' in step) return step.page;
    this.pageSessions.establish(reply, step.signedIn);
    return { redirect: ACCOUNT_PATH };
  }
}
