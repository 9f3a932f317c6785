import { type CanActivate, createParamDecorator, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccountOidcStart } from '../account/account-oidc-start.service.js';
import { SignInRequired } from '../rendering/page-exception.filter.js';
import { type PageUser, PageSessionService } from './page-session.service.js';

/** Where a signed-out browser is sent without the provider (HS256 keys); with it, straight to `/oidc/auth`. */
export const ACCOUNT_SIGN_IN_PATH = '/account/signin';

type PageRequest = FastifyRequest & { pageUser?: PageUser };

/** The account pages: a live page session, or a redirect to the sign-in (the provider's, when it runs). */
@Injectable()
export class PageUserGuard implements CanActivate {
  constructor(
    private readonly pageSessions: PageSessionService,
    private readonly oidcStart: AccountOidcStart,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<PageRequest>();
    const current = await this.pageSessions.current(request);
    if (current === null) {
      const reply = context.switchToHttp().getResponse<FastifyReply>();
      throw new SignInRequired(this.oidcStart.enabled ? this.oidcStart.begin(reply) : ACCOUNT_SIGN_IN_PATH);
    }
    request.pageUser = current;
    return true;
  }
}

/** The user PageUserGuard found. */
export const CurrentPageUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): PageUser => {
  const user = ctx.switchToHttp().getRequest<PageRequest>().pageUser;
  if (user === undefined) throw new SignInRequired(ACCOUNT_SIGN_IN_PATH);
  return user;
});
