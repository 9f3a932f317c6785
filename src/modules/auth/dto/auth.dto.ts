import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { UserResponseDto } from '#src/modules/users/dto/user.dto.js';

export class LoginRequestDto {
  @ApiPropertyOptional({ format: 'email', maxLength: 320, description: 'email or username is required' })
  @ValidateIf((o: LoginRequestDto) => o.username === undefined || o.email !== undefined)
  @IsString()
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional({ maxLength: 32 })
  @ValidateIf((o: LoginRequestDto) => o.email === undefined)
  @IsString()
  @MinLength(1)
  @MaxLength(32)
  username?: string;

  @ApiProperty({ maxLength: 1024 })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password!: string;
}

export class VerifyCredentialsRequestDto extends LoginRequestDto {}

const TOKEN = /^[A-Za-z0-9_-]{20,128}$/;

export class RefreshRequestDto {
  @ApiProperty({ description: 'the opaque refresh token from the last TokenResponse', pattern: TOKEN.source })
  @IsString()
  @Matches(TOKEN, { message: 'refresh_token is malformed' })
  refresh_token!: string;
}

export class ChangePasswordRequestDto {
  @ApiProperty({ maxLength: 1024 })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  current_password!: string;

  @ApiProperty({ minLength: 8, maxLength: 128 })
  @IsString()
  @MaxLength(1024)
  new_password!: string;
}

export class ForgotPasswordRequestDto {
  @ApiProperty({ format: 'email', maxLength: 320 })
  @IsString()
  @MaxLength(320)
  email!: string;
}

export class ResetPasswordRequestDto {
  @ApiProperty({ pattern: TOKEN.source })
  @IsString()
  @MaxLength(256)
  token!: string;

  @ApiProperty({ minLength: 8, maxLength: 128 })
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
  @ApiProperty() access_token!: string;
  @ApiProperty() refresh_token!: string;
  @ApiProperty({ enum: ['bearer'] }) token_type!: 'bearer';
  @ApiProperty({ description: 'seconds' }) expires_in!: number;
  @ApiProperty({ description: 'seconds' }) refresh_expires_in!: number;
}

export class VerifyCredentialsResponseDto {
  @ApiProperty() valid!: boolean;
  @ApiPropertyOptional({ type: UserResponseDto }) user?: UserResponseDto;
}

export class JwksResponseDto {
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } })
  keys!: Record<string, unknown>[];
}
