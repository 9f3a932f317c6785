import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { AuthenticatedRequest, PrincipalRole, UserPrincipal } from '../auth/principal.js';
import { AppException } from '../errors/app.exception.js';
import { requestIdOf } from '../http/request-id.js';
import { clientIp } from '../http/client-ip.js';

export const IS_PUBLIC = 'auth:public';
export const ROLES = 'auth:roles';
export const SERVICE_TOKEN = 'auth:service-token';
export const MFA_ENROLLMENT_EXEMPT = 'auth:mfa-enrollment-exempt';

/** The only opt-out of the global JWT guard. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** Restricts a route to these roles (checked by the global roles guard). */
export const Roles = (...roles: PrincipalRole[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES, roles);

/** Any signed-in user: documents that a route needs a bearer token and no particular role. */
export const Authenticated = (): MethodDecorator & ClassDecorator => SetMetadata(ROLES, ['user', 'moderator', 'admin']);

/**
 * A route a user of an MFA_REQUIRED_ROLES role may use before confirming a second factor
 * (enrolment, the own profile, logout, sessions); every other one answers 403 USER_1402.
 */
export const MfaEnrollmentExempt = (): MethodDecorator & ClassDecorator => SetMetadata(MFA_ENROLLMENT_EXEMPT, true);

/**
 * `required`: only a service token (`X-Service-Token`) is accepted.
 * `allowed`: a bearer token or a service token.
 */
export const ServiceToken = (mode: 'required' | 'allowed'): MethodDecorator & ClassDecorator =>
  SetMetadata(SERVICE_TOKEN, mode);

/** The signed-in user. Throws 401 when the route let a service token through instead. */
export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): UserPrincipal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (principal?.kind !== 'user') throw new AppException('COMMON_1001');
  return principal;
});

export interface RequestMeta {
  ip: string;
  userAgent: string | null;
  requestId: string;
}

/** Client address (honours TRUST_PROXY through Fastify, always an IP), user agent and request id. */
export const ReqMeta = createParamDecorator((_data: unknown, ctx: ExecutionContext): RequestMeta => {
  const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  const ua = req.headers['user-agent'];
  return { ip: clientIp(req), userAgent: ua === undefined ? null : ua.slice(0, 512), requestId: requestIdOf(req.raw) };
});
