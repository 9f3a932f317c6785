import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { OptionalNonNull } from '#src/common/http/dto-rules.js';

export class DeleteAccountRequestDto {
  @ApiProperty({ minLength: 1, maxLength: 1024, description: 'the current password, to confirm' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password!: string;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 64,
    example: '123456',
    description: 'with MFA on: a current authenticator code (or send recovery_code); without either, 401 USER_1401',
  })
  @OptionalNonNull()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  code?: string;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 64,
    description: 'with MFA on: an unused recovery code, instead of code',
  })
  @OptionalNonNull()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  recovery_code?: string;
}
