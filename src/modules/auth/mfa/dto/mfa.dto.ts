import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { OptionalNonNull } from '#src/common/http/dto-rules.js';
import { ApiSchemaRules } from '#src/common/http/openapi.js';

const CODE = {
  minLength: 1,
  maxLength: 64,
  example: '492039',
  description: 'the 6-digit code the authenticator app shows now',
};
const RECOVERY_CODE = {
  minLength: 1,
  maxLength: 64,
  example: 'k7pq-2mxa-9cwe-hd4t',
  description: 'one of the recovery codes, instead of code; each works once',
};

export class TotpSetupResponseDto {
  @ApiProperty({
    example: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
    description: 'base32, for manual entry; shown only here',
  })
  secret!: string;

  @ApiProperty({
    example:
      'otpauth://totp/user-service:ada%40example.com?issuer=user-service&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30',
  })
  otpauth_url!: string;

  @ApiProperty({
    example: '<svg xmlns="http://www.w3.org/2000/svg" ...>...</svg>',
    description: 'the otpauth_url as a QR code',
  })
  qr_svg!: string;
}

export class ConfirmTotpRequestDto {
  @ApiProperty(CODE)
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  code!: string;
}

export class RecoveryCodesResponseDto {
  @ApiProperty({
    type: [String],
    minItems: 10,
    maxItems: 10,
    example: [
      'k7pq-2mxa-9cwe-hd4t',
      'r3vz-8nqe-u6ka-p2ms',
      '4h8d-wq2n-c7xe-m5tb',
      'p9ga-3kvr-x6nd-2hqs',
      'e5mw-t8cj-7rzb-a4kn',
      'z2xs-6pef-q9dh-w3ma',
      'b7nc-k4tr-5vgy-8epd',
      'u3hq-m9wa-2sxf-6ckr',
      'g6td-r2zn-8bqm-4yev',
      'n4pk-7xcs-3wdh-9tga',
    ],
    description: 'shown once; store them somewhere safe',
  })
  recovery_codes!: string[];
}

/** A current code or a recovery code: optional fields, checked by the service (401 USER_1401 without). */
export class SecondFactorFieldsDto {
  @ApiPropertyOptional(CODE)
  @OptionalNonNull()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  code?: string;

  @ApiPropertyOptional(RECOVERY_CODE)
  @OptionalNonNull()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  recovery_code?: string;
}

/** Regenerating recovery codes and turning MFA off: the password and a second factor. */
export class MfaStepUpRequestDto extends SecondFactorFieldsDto {
  @ApiProperty({ minLength: 1, maxLength: 1024, description: 'the current password' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password!: string;
}

const CODE_OR_RECOVERY = { anyOf: [{ required: ['code'] }, { required: ['recovery_code'] }] };

/** `mfa_token` and `code`, or `mfa_token` and `recovery_code`. */
@ApiSchemaRules(CODE_OR_RECOVERY)
export class LoginMfaRequestDto {
  @ApiProperty({ example: 'Jm0sXyEXAMPLEtokenOnly43charsLong_abcdefghij', description: 'from the login answer' })
  @IsString()
  @MaxLength(256)
  mfa_token!: string;

  @ApiPropertyOptional(CODE)
  @ValidateIf((o: LoginMfaRequestDto) => o.recovery_code === undefined || o.code !== undefined)
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  code?: string;

  @ApiPropertyOptional(RECOVERY_CODE)
  @ValidateIf((o: LoginMfaRequestDto) => o.code === undefined || o.recovery_code !== undefined)
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  recovery_code?: string;
}

/** The login answer for a user with MFA: no tokens yet, a second step to take. */
export class MfaRequiredResponseDto {
  @ApiProperty({ enum: [true] }) mfa_required!: true;
  @ApiProperty({
    example: 'Jm0sXyEXAMPLEtokenOnly43charsLong_abcdefghij',
    description: 'for POST /api/v1/auth/login/mfa',
  })
  mfa_token!: string;
  @ApiProperty({ type: [String], enum: ['totp', 'recovery_code'], example: ['totp', 'recovery_code'] })
  mfa_methods!: ('totp' | 'recovery_code')[];
  @ApiProperty({ type: 'integer', example: 300, description: 'seconds the mfa_token stays valid' })
  expires_in!: number;
}
