import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RouteAccessCache } from '#src/common/decorators/route-access.js';
import type { AuthenticatedRequest } from '#src/common/auth/principal.js';
import { AppException } from '#src/common/errors/app.exception.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { SessionsService } from '#src/modules/sessions/sessions.service.js';
import { AccountsService } from '#src/modules/users/accounts.service.js';
import type { AccountRequest } from '#src/modules/users/current-account.decorators.js';
import { TokenService } from '../token.service.js';

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Global guard: every route needs a valid bearer token unless it is `@Public()` or takes
 * a service token. The session must be alive and the user active *now*, and the role is
 * read from the user, not the token, so revocation, deactivation and role changes apply
 * on the very next request on every pod.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly serviceTokens: Buffer[];
  private readonly routes: RouteAccessCache;

  constructor(
    reflector: Reflector,
    private readonly tokens: TokenService,
    private readonly sessions: SessionsService,
    private readonly accounts: AccountsService,
    @InjectConfig() config: AppConfig,
  ) {
    this.serviceTokens = config.serviceTokens.map(sha256);
    this.routes = new RouteAccessCache(reflector);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const route = this.routes.of(context);
    if (route.isPublic) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest & AccountRequest>();
    const serviceMode = route.serviceToken;
    const serviceHeader = request.headers['x-service-token'];
    if (serviceMode === 'required' || (serviceMode === 'allowed' && serviceHeader !== undefined)) {
      if (typeof serviceHeader !== 'string' || !this.isServiceToken(serviceHeader)) {
        throw new AppException('COMMON_1001', 'A valid X-Service-Token is required');
      }
      request.principal = { kind: 'service' };
      return true;
    }
    const header = request.headers.authorization;
    if (header === undefined) throw new AppException('COMMON_1001');
    const match = /^Bearer\s+([A-Za-z0-9_.~+/=-]+)$/i.exec(header);
    if (match === null) throw new AppException('USER_1006');
    const claims = this.tokens.verify(match[1]);
    const [alive, user] = await Promise.all([this.sessions.isAlive(claims.sid), this.accounts.findOrNull(claims.sub)]);
    if (!alive || user === null) throw new AppException('USER_1006');
    if (!user.isActive) throw new AppException('USER_1002');
    request.principal = {
      kind: 'user',
      userId: user.id,
      sessionId: claims.sid,
      role: user.role,
      email: user.email,
      mfaEnabled: user.mfaEnabled,
    };
    request.account = user;
    return true;
  }

  /** Constant time over every configured token: no early exit, no length leak. */
  private isServiceToken(candidate: string): boolean {
    const digest = sha256(candidate);
    let found = false;
    for (const token of this.serviceTokens) found = timingSafeEqual(digest, token) || found;
    return found;
  }
}
