import { Module } from '@nestjs/common';
import { AuthModule } from '#src/modules/auth/auth.module.js';
import { UsersModule } from '#src/modules/users/users.module.js';
import { LegacyUsersController } from './compat.controller.js';

/** The first version's routes (`/users`...), answered by the same services as /api/v1. */
@Module({ imports: [AuthModule, UsersModule], controllers: [LegacyUsersController] })
export class CompatModule {}
