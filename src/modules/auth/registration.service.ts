import { Injectable } from '@nestjs/common';
import type { RegisterRequestDto, UserResponseDto } from '#src/modules/users/dto/user.dto.js';
import { AccountsService } from '#src/modules/users/accounts.service.js';
import type { CreateSource } from '#src/modules/users/user-creation.service.js';
import { EmailVerificationService } from './email-verification.service.js';

/** Sign-up: the account, then its verification mail. */
@Injectable()
export class RegistrationService {
  constructor(
    private readonly accounts: AccountsService,
    private readonly verification: EmailVerificationService,
  ) {}

  /** `source` tells consumers of `user.created` whether the compat (first version) route was used. */
  async register(dto: RegisterRequestDto, source: CreateSource = 'register'): Promise<UserResponseDto> {
    const user = await this.accounts.register(dto, source);
    await this.verification.sendVerificationTo({ id: user.id, email: user.email, isVerified: user.is_verified });
    return user;
  }
}
