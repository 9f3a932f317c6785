import { type CanActivate, createParamDecorator, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { SignInRequired } from '../rendering/page-exception.filter.js';
import { type PageUser, PageSessionService } from './page-session.service.js';

/** Where a signed-out browser is sent. */
export const ACCOUNT_SIGN_IN_PATH = '/account/signin';

type PageRequest = FastifyRequest & { pageUser?: PageUser };

/** The account pages: a live page session, or a redirect to the sign-in page. */
@Injectable()
export class PageUserGuard implements CanActivate {
  constructor(private readonly pageSessions: PageSessionService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<PageRequest>();
    const current = await this.pageSessions.current(request);
    if (current === null) throw new SignInRequired(ACCOUNT_SIGN_IN_PATH);
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
