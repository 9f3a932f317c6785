import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { KvModule } from './kv/kv.module.js';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter.js';
import { loggerParams } from './common/http/logging.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import type { DataSourceSettings } from './database/data-source.js';
import { CryptoModule } from './crypto/crypto.module.js';
import { DatabaseModule } from './database/database.module.js';
import { AuthModule } from './modules/auth/auth.module.js';
import { CompatModule } from './modules/compat/compat.module.js';
import { EventsModule } from './modules/events/events.module.js';
import { HealthModule } from './modules/health/health.module.js';
import { PagesModule } from './modules/pages/pages.module.js';
import { ProfileExtrasModule } from './modules/profile-extras/profile-extras.module.js';
import { OidcModule } from './modules/oidc/oidc.module.js';
import { OidcPagesModule } from './modules/pages/oidc/oidc-pages.module.js';
import { UsersModule } from './modules/users/users.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, database: DataSourceSettings, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(logger)),
        DatabaseModule.forRoot({ ...database, runMigrations: config.database.runMigrations }),
        KvModule,
        CryptoModule,
        EventsModule,
        UsersModule,
        AuthModule,
        CompatModule,
        ProfileExtrasModule,
        HealthModule,
        PagesModule,
        // The OpenID provider signs ID tokens with the service's asymmetric key: none with HS256.
        ...(config.jwt.algorithm === 'HS256' ? [] : [OidcModule, OidcPagesModule]),
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}
