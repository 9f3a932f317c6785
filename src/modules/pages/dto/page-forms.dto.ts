import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

/**
 * The hosted pages' form bodies (application/x-www-form-urlencoded: every value a string,
 * an empty input an empty string). Bounds only: the services judge the values, so a bad
 * value re-renders its form with a message instead of a bare 400.
 */
export class PageFormDto {
  /** Checked by the CSRF guard before the pipes run; here so the whitelist accepts it. */
  @IsString()
  @MaxLength(256)
  _csrf!: string;
}

export class SignInFormDto extends PageFormDto {
  @IsString()
  @MaxLength(320)
  identifier!: string;

  @IsString()
  @MaxLength(1024)
  password!: string;
}

export class SecondFactorFormDto extends PageFormDto {
  @IsString()
  @MaxLength(256)
  mfa_token!: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  code?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  recovery_code?: string;
}

/**
 * The consent form's POST (the OpenID interaction handles it).
 * @public
 */
export class ConsentFormDto extends PageFormDto {
  @IsIn(['allow', 'deny'])
  decision!: 'allow' | 'deny';
}

export class TokenFormDto extends PageFormDto {
  @IsString()
  @MaxLength(256)
  token!: string;
}

export class ResetPasswordFormDto extends TokenFormDto {
  @IsString()
  @MaxLength(1024)
  new_password!: string;

  @IsString()
  @MaxLength(1024)
  confirm_password!: string;
}

export class ForgotPasswordFormDto extends PageFormDto {
  @IsString()
  @MaxLength(320)
  email!: string;
}

export class ProfileFormDto extends PageFormDto {
  @IsString()
  @MaxLength(100)
  name!: string;

  @IsOptional()
  @IsString()
  @MaxLength(32)
  username?: string;
}

export class RevokeSessionFormDto extends PageFormDto {
  @IsString()
  @MaxLength(64)
  session_id!: string;
}

export class ChangePasswordFormDto extends PageFormDto {
  @IsString()
  @MaxLength(1024)
  current_password!: string;

  @IsString()
  @MaxLength(1024)
  new_password!: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  code?: string;
}

export class MfaCodeFormDto extends PageFormDto {
  @IsString()
  @MaxLength(64)
  code!: string;
}
