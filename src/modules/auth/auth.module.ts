import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { KV_STORE, type KvStore } from '#src/kv/kv-store.js';
import { RATE_LIMIT_BUCKET, type RateLimitBucket } from '#src/common/decorators/rate-limit.decorator.js';
import { AuditModule } from '#src/modules/audit/audit.module.js';
import { LockoutModule } from '#src/modules/lockout/lockout.module.js';
import { MailModule } from '#src/modules/mail/mail.module.js';
import { SessionsModule } from '#src/modules/sessions/sessions.module.js';
import { UsersModule } from '#src/modules/users/users.module.js';
import { AuthController, JwksController } from './auth.controller.js';
import { EmailVerificationService } from './email-verification.service.js';
import { AppThrottlerGuard } from './guards/throttle.guard.js';
import { JwtAuthGuard } from './guards/jwt-auth.guard.js';
import { RolesGuard } from './guards/roles.guard.js';
import { MfaEnrollmentGuard } from './guards/mfa-enrollment.guard.js';
import { MfaModule } from './mfa/mfa.module.js';
import { KvThrottlerStorage } from './kv-throttler.storage.js';
import { SignInRepository } from './sign-in.repository.js';
import { LoginService } from './login.service.js';
import { OneTimeTokensPersonalData } from './one-time-tokens.personal-data.js';
import { OneTimeTokensRepository } from './one-time-tokens.repository.js';
import { PasswordHistoryRepository } from './password-history/password-history.repository.js';
import { PasswordHistoryService } from './password-history/password-history.service.js';
import { PasswordsModule } from './passwords/passwords.module.js';
import { PasswordService } from './password.service.js';
import { SessionLifecycleService } from './session-lifecycle.service.js';
import { RegistrationService } from './registration.service.js';
import { TokenService } from './token.service.js';
import { UsersAuthController } from './users-auth.controller.js';

const bucketOf = (handler: object): RateLimitBucket | undefined =>
  Reflect.getMetadata(RATE_LIMIT_BUCKET, handler) as RateLimitBucket | undefined;

@Module({
  imports: [
    UsersModule,
    SessionsModule,
    AuditModule,
    LockoutModule,
    PasswordsModule,
    MailModule,
    MfaModule,
    JwtModule.register({}),
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, KV_STORE],
      useFactory: (config: AppConfig, kv: KvStore) => ({
        storage: new KvThrottlerStorage(kv),
        // A throttler's own skipIf replaces the common one, so each repeats the on/off switch.
        throttlers: [
          { name: 'default', ttl: 60_000, limit: config.rateLimit.perMinute, skipIf: () => !config.rateLimit.enabled },
          {
            name: 'login',
            ttl: 60_000,
            limit: config.rateLimit.loginPerMinute,
            skipIf: (ctx) => !config.rateLimit.enabled || bucketOf(ctx.getHandler()) !== 'login',
          },
          {
            name: 'register',
            ttl: 3_600_000,
            limit: config.rateLimit.registerPerHour,
            skipIf: (ctx) => !config.rateLimit.enabled || bucketOf(ctx.getHandler()) !== 'register',
          },
        ],
      }),
    }),
  ],
  controllers: [AuthController, JwksController, UsersAuthController],
  providers: [
    TokenService,
    LoginService,
    SignInRepository,
    RegistrationService,
    PasswordService,
    EmailVerificationService,
    SessionLifecycleService,
    OneTimeTokensRepository,
    OneTimeTokensPersonalData,
    PasswordHistoryRepository,
    PasswordHistoryService,
    // Order matters: rate limits first (cheap, before any token work), then identity, then
    // roles, then the second factor some roles must have.
    { provide: APP_GUARD, useClass: AppThrottlerGuard },
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
    { provide: APP_GUARD, useClass: MfaEnrollmentGuard },
  ],
  // What the compat module answers the first version's routes with, what the hosted pages
  // (and the OpenID provider's interaction) run their forms through, and the provider's keys.
  exports: [
    RegistrationService,
    LoginService,
    PasswordService,
    EmailVerificationService,
    SessionLifecycleService,
    TokenService,
  ],
})
export class AuthModule {}
