import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { NO_CONTROL_CHARS, USERNAME_PATTERN } from '#src/common/http/dto-rules.js';
import { ApiPasswordPolicy } from '#src/common/http/openapi.js';

/** The first version's sign-up body (contract §1): username required, name optional. */
export class LegacyCreateUserRequestDto {
  @ApiProperty({ pattern: USERNAME_PATTERN.source })
  @IsString()
  @Matches(USERNAME_PATTERN, { message: 'username must be 3-32 letters, digits, ".", "_" or "-"' })
  username!: string;

  @ApiProperty({ format: 'email', maxLength: 320 })
  @IsString()
  @MaxLength(320)
  email!: string;

  @ApiProperty({ minLength: 8, maxLength: 128, description: 'Policy of contract §2 (USER_1103 names the rule broken)' })
  @ApiPasswordPolicy()
  @IsString()
  @MaxLength(1024)
  password!: string;

  @ApiPropertyOptional({
    type: String,
    minLength: 1,
    maxLength: 100,
    pattern: NO_CONTROL_CHARS.source,
    nullable: true,
    description: 'defaults to the username',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NO_CONTROL_CHARS, { message: 'name must not contain control characters' })
  name?: string;
}
