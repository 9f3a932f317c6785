import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RouteAccessCache } from '#src/common/decorators/route-access.js';
import type { AuthenticatedRequest, PrincipalRole } from '#src/common/auth/principal.js';
import { AppException } from '#src/common/errors/app.exception.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';

/**
 * Global guard after the roles guard: a user whose role is in MFA_REQUIRED_ROLES and who has
 * not confirmed a second factor may log in, but only reaches the `@MfaEnrollmentExempt()`
 * routes; every other answers 403 USER_1402. Nothing to do when no role requires MFA.
 */
@Injectable()
export class MfaEnrollmentGuard implements CanActivate {
  private readonly required: ReadonlySet<PrincipalRole>;
  private readonly routes: RouteAccessCache;

  constructor(reflector: Reflector, @InjectConfig() config: AppConfig) {
    this.required = new Set(config.mfa.requiredRoles);
    this.routes = new RouteAccessCache(reflector);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.required.size === 0) return true;
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    if (principal?.kind !== 'user' || principal.mfaEnabled || !this.required.has(principal.role)) return true;
    const route = this.routes.of(context);
    if (route.isPublic || route.mfaEnrollmentExempt) return true;
    throw new AppException('USER_1402', 'Your role requires a second factor: enrol at /api/v1/auth/mfa/totp/setup');
  }
}
