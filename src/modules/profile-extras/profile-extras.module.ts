import { Module } from '@nestjs/common';
import { UsersModule } from '#src/modules/users/users.module.js';
import { ProfileExtrasController } from './profile-extras.controller.js';
import { ProfileExtrasRepository } from './profile-extras.repository.js';
import { ProfileExtrasService } from './profile-extras.service.js';

/** Badges and learning goals (contract §1). Registers itself for the users' GDPR export and erasure. */
@Module({
  imports: [UsersModule],
  controllers: [ProfileExtrasController],
  providers: [ProfileExtrasRepository, ProfileExtrasService],
})
export class ProfileExtrasModule {}
