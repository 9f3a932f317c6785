import { Injectable } from '@nestjs/common';
import type { UserPrincipal } from '#src/common/auth/principal.js';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import type { RegisterRequestDto } from '#src/modules/users/dto/user.dto.js';
import type { UserResponse } from '#src/modules/users/user.mapper.js';
import { UsersService } from '#src/modules/users/users.service.js';
import type { LoginRequestDto } from './dto/auth.dto.js';
import { LoginService, type TokenResponse } from './login.service.js';
import { PasswordService } from './password.service.js';
import { SessionLifecycleService } from './session-lifecycle.service.js';
import { TokenService } from './token.service.js';

/** The facade the auth controller talks to; each use case lives in its own service. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly loginService: LoginService,
    private readonly lifecycle: SessionLifecycleService,
    private readonly passwords: PasswordService,
    private readonly tokens: TokenService,
  ) {}

  /** `source` tells consumers of `user.created` whether the first version's sign-up route was used. */
  async register(dto: RegisterRequestDto, source: 'register' | 'legacy' = 'register'): Promise<UserResponse> {
    const user = await this.users.register(dto, source);
    await this.passwords.sendVerificationTo({ id: user.id, email: user.email, isVerified: user.is_verified });
    return user;
  }

  login(dto: LoginRequestDto, meta: RequestMeta): Promise<TokenResponse> {
    return this.loginService.login(dto, meta);
  }

  refresh(token: string, meta: RequestMeta): Promise<TokenResponse> {
    return this.lifecycle.refresh(token, meta);
  }

  logout(user: UserPrincipal): Promise<void> {
    return this.lifecycle.logout(user);
  }

  logoutAll(user: UserPrincipal): Promise<void> {
    return this.lifecycle.logoutAll(user);
  }

  changePassword(user: UserPrincipal, current: string, next: string, meta: RequestMeta): Promise<void> {
    return this.passwords.change(user, current, next, meta);
  }

  /** Answers at once; the work happens after the answer (PasswordService.forgot). */
  forgotPassword(email: string): void {
    this.passwords.forgot(email);
  }

  resetPassword(token: string, password: string, meta: RequestMeta): Promise<void> {
    return this.passwords.reset(token, password, meta);
  }

  verifyEmail(token: string): Promise<void> {
    return this.passwords.verifyEmail(token);
  }

  resendVerification(user: UserPrincipal): Promise<void> {
    return this.passwords.sendVerification(user);
  }

  jwks(): { keys: Record<string, unknown>[] } {
    return this.tokens.jwks();
  }
}
