import { Module } from '@nestjs/common';
import { AuditModule } from '#src/modules/audit/audit.module.js';
import { LockoutModule } from '#src/modules/lockout/lockout.module.js';
import { SessionsModule } from '#src/modules/sessions/sessions.module.js';
import { EmailChangeNotifier } from './email-change.notifier.js';
import { PasswordHasher } from './password-hasher.service.js';
import { PersonalDataRegistry } from './personal-data.registry.js';
import { UserAccountService } from './user-account.service.js';
import { UserCache } from './user-cache.js';
import { UserImportController } from './user-import.controller.js';
import { UserImportService } from './user-import.service.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [SessionsModule, AuditModule, LockoutModule],
  controllers: [UsersController, UserImportController],
  providers: [
    UsersRepository,
    UsersService,
    UserAccountService,
    UserImportService,
    UserCache,
    PasswordHasher,
    PersonalDataRegistry,
    EmailChangeNotifier,
  ],
  exports: [UsersService, PasswordHasher, PersonalDataRegistry, EmailChangeNotifier],
})
export class UsersModule {}
