import { Module } from '@nestjs/common';
import { AuditModule } from '#src/modules/audit/audit.module.js';
import { SessionsModule } from '#src/modules/sessions/sessions.module.js';
import { PasswordHasher } from './password-hasher.service.js';
import { UserAccountService } from './user-account.service.js';
import { UserCache } from './user-cache.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [SessionsModule, AuditModule],
  controllers: [UsersController],
  providers: [UsersRepository, UsersService, UserAccountService, UserCache, PasswordHasher],
  exports: [UsersService, PasswordHasher],
})
export class UsersModule {}
