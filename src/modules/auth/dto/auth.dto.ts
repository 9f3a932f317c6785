import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { ApiPasswordPolicy, ApiSchemaRules } from '#src/common/http/openapi.js';
import { UserResponseDto } from '#src/modules/users/dto/user.dto.js';
import { SecondFactorFieldsDto } from '../mfa/dto/mfa.dto.js';

const EMAIL_OR_USERNAME = { anyOf: [{ required: ['email'] }, { required: ['username'] }] };

/** `email` or `username` (one of them is required; with both, `email` is used), and `password`. */
@ApiSchemaRules(EMAIL_OR_USERNAME)
export class LoginRequestDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 320, description: 'email or username is required' })
  @ValidateIf((o: LoginRequestDto) => o.username === undefined || o.email !== undefined)
  @IsString()
  @MinLength(1)
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 32 })
  @ValidateIf((o: LoginRequestDto) => o.email === undefined || o.username !== undefined)
  @IsString()
  @MinLength(1)
  @MaxLength(32)
  username?: string;

  @ApiProperty({ minLength: 1, maxLength: 1024 })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password!: string;
}

@ApiSchemaRules(EMAIL_OR_USERNAME)
export class VerifyCredentialsRequestDto extends LoginRequestDto {}

const TOKEN = /^[A-Za-z0-9_-]{20,128}$/;

/**
 * Any string: a refresh token the service never issued, whatever its shape, is 401 USER_1006
 * (the client must log in again), never a 400 (docs/decisions.md, "HTTP input bounds").
 */
export class RefreshRequestDto {
  @ApiProperty({
    pattern: TOKEN.source,
    description:
      'the opaque refresh token from the last TokenResponse (its format); any other string, of this format or not, is answered 401 USER_1006',
  })
  @IsString()
  refresh_token!: string;
}

/** With MFA on, a current `code` or a `recovery_code` too (401 USER_1401 without). */
export class ChangePasswordRequestDto extends SecondFactorFieldsDto {
  @ApiProperty({ minLength: 1, maxLength: 1024 })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  current_password!: string;

  @ApiProperty({ minLength: 8, maxLength: 128, description: 'Policy of contract §2 (USER_1103 names the rule broken)' })
  @ApiPasswordPolicy()
  @IsString()
  @MaxLength(1024)
  new_password!: string;
}

export class ForgotPasswordRequestDto {
  @ApiProperty({
    maxLength: 320,
    minLength: 1,
    description: 'the account email; any string is answered 202, so the answer never tells whether an account exists',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(320)
  email!: string;
}

export class ResetPasswordRequestDto {
  @ApiProperty({ pattern: TOKEN.source })
  @IsString()
  @MaxLength(256)
  token!: string;

  @ApiProperty({ minLength: 8, maxLength: 128, description: 'Policy of contract §2 (USER_1103 names the rule broken)' })
  @ApiPasswordPolicy()
  @IsString()
  @MaxLength(1024)
  new_password!: string;
}

export class VerifyEmailRequestDto {
  @ApiProperty({ pattern: TOKEN.source })
  @IsString()
  @MaxLength(256)
  token!: string;
}

export class TokenResponseDto {
  @ApiProperty({ description: 'a JWT', pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$' })
  access_token!: string;
  @ApiProperty({ pattern: TOKEN.source }) refresh_token!: string;
  @ApiProperty({ enum: ['bearer'] }) token_type!: 'bearer';
  @ApiProperty({ type: 'integer', minimum: 1, description: 'seconds' }) expires_in!: number;
  @ApiProperty({ type: 'integer', minimum: 1, description: 'seconds' }) refresh_expires_in!: number;
}

export class VerifyCredentialsResponseDto {
  @ApiProperty() valid!: boolean;
  @ApiPropertyOptional({ type: UserResponseDto }) user?: UserResponseDto;
}

export class JwksResponseDto {
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } })
  keys!: Record<string, unknown>[];
}
