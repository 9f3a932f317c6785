import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC, ROLES } from '#src/common/decorators/auth.decorators.js';
import type { AuthenticatedRequest, PrincipalRole } from '#src/common/auth/principal.js';
import { AppException } from '#src/common/errors/app.exception.js';

/** Global guard after JwtAuthGuard: `@Roles(...)` limits a route to those roles. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) === true) return true;
    const roles = this.reflector.getAllAndOverride<PrincipalRole[] | undefined>(ROLES, targets);
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    if (principal === undefined) throw new AppException('COMMON_1001');
    if (principal.kind === 'service' || roles === undefined) return true;
    if (!roles.includes(principal.role)) throw new AppException('COMMON_1003');
    return true;
  }
}
