import { Module } from '@nestjs/common';
import { AuditModule } from '#src/modules/audit/audit.module.js';
import { PasswordsModule } from '#src/modules/auth/passwords/passwords.module.js';
import { LockoutModule } from '#src/modules/lockout/lockout.module.js';
import { SessionsModule } from '#src/modules/sessions/sessions.module.js';
import { AccountsService } from './accounts.service.js';
import { AdminBootstrapService } from './admin-bootstrap.service.js';
import { EmailChangeNotifier } from './email-change.notifier.js';
import { PersonalDataRegistry } from './personal-data.registry.js';
import { StepUpRegistry } from './step-up.registry.js';
import { DataRightsService } from './data-rights.service.js';
import { SealedUserFields } from './sealed-user-fields.js';
import { UserCache } from './user-cache.js';
import { UserCreationService } from './user-creation.service.js';
import { UserImportController } from './user-import.controller.js';
import { UserImportService } from './user-import.service.js';
import { UserManagementService } from './user-management.service.js';
import { UserQueriesService } from './user-queries.service.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';

/**
 * Users: profiles, the admin routes, erasure and export, import, the user cache. Other
 * modules ask of users only through AccountsService; PersonalDataRegistry and
 * EmailChangeNotifier let modules that depend on users take part in erasure, export and
 * email changes without users depending back on them.
 */
@Module({
  imports: [SessionsModule, AuditModule, LockoutModule, PasswordsModule],
  controllers: [UsersController, UserImportController],
  providers: [
    UsersRepository,
    SealedUserFields,
    UserCache,
    UserCreationService,
    UserQueriesService,
    AccountsService,
    UserManagementService,
    AdminBootstrapService,
    DataRightsService,
    UserImportService,
    PersonalDataRegistry,
    EmailChangeNotifier,
    StepUpRegistry,
  ],
  exports: [
    AccountsService,
    AdminBootstrapService,
    PersonalDataRegistry,
    EmailChangeNotifier,
    StepUpRegistry,
    // The hosted account page edits the profile through the same use case as PATCH /users/me.
    UserManagementService,
  ],
})
export class UsersModule {}
