import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RouteAccessCache } from '#src/common/decorators/route-access.js';
import type { AuthenticatedRequest } from '#src/common/auth/principal.js';
import { AppException } from '#src/common/errors/app.exception.js';

/** Global guard after JwtAuthGuard: `@Roles(...)` limits a route to those roles. */
@Injectable()
export class RolesGuard implements CanActivate {
  private readonly routes: RouteAccessCache;

  constructor(reflector: Reflector) {
    this.routes = new RouteAccessCache(reflector);
  }

  canActivate(context: ExecutionContext): boolean {
    const route = this.routes.of(context);
    if (route.isPublic) return true;
    const roles = route.roles;
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    if (principal === undefined) throw new AppException('COMMON_1001');
    if (principal.kind === 'service' || roles === undefined) return true;
    if (!roles.includes(principal.role)) throw new AppException('COMMON_1003');
    return true;
  }
}
