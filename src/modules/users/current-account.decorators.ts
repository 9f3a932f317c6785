import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppException } from '#src/common/errors/app.exception.js';
import type { User } from './user.entity.js';

/**
 * A request the JWT guard let through with a user: the user row it read to check that the
 * account is active and to take the role (this request's read, never older), kept beside the
 * principal as Passport keeps `request.user`.
 */
export type AccountRequest = FastifyRequest & { account?: User };

/**
 * The signed-in user's row as the guard read it for this request, so a handler about the
 * caller's own account does not read it a second time. 401 when a service token came instead.
 */
export const CurrentAccount = createParamDecorator((_data: unknown, ctx: ExecutionContext): User => {
  const account = ctx.switchToHttp().getRequest<AccountRequest>().account;
  if (account === undefined) throw new AppException('COMMON_1001');
  return account;
});
