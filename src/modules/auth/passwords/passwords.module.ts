import { Module } from '@nestjs/common';
import { PasswordHasher } from './password-hasher.service.js';
import { PasswordPolicyService } from './password-policy.service.js';

/**
 * Password hashing (argon2id and the imported formats) and the password policy: the auth
 * side owns them; the users module imports this module to hash at sign-up, admin creation
 * and import.
 */
@Module({ providers: [PasswordHasher, PasswordPolicyService], exports: [PasswordHasher, PasswordPolicyService] })
export class PasswordsModule {}
