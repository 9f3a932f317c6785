import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import {
  NO_CONTROL_CHARS,
  OptionalNonNull,
  PHONE_PATTERN,
  USERNAME_PATTERN,
  toStrictInt,
  VISIBLE_TEXT_PATTERN,
} from '#src/common/http/dto-rules.js';
import { PageQueryDto } from '#src/common/http/page-query.dto.js';
import { EXPORT_CURSOR_PATTERN } from '../export-cursor.policy.js';
import { ROLES, type Role } from '../user.entity.js';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

export class RegisterRequestDto {
  @ApiProperty({
    example: 'ada@example.com',
    format: 'email',
    maxLength: 320,
    description: 'trimmed and lower-cased; an address the service cannot deliver to is USER_1104',
  })
  @IsString()
  @MaxLength(320)
  email!: string;

  @ApiProperty({
    example: 'Correct-Horse-9',
    minLength: 8,
    maxLength: 128,
    description:
      'The password policy (contract §2): by default upper and lower case, a digit and a symbol, and not a common password (USER_1103 names the rule broken)',
  })
  @IsString()
  @MaxLength(1024)
  password!: string;

  @ApiProperty({ example: 'Ada Lovelace', minLength: 1, maxLength: 100, pattern: VISIBLE_TEXT_PATTERN.source })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NO_CONTROL_CHARS, { message: 'name must not contain control characters' })
  name!: string;

  @ApiPropertyOptional({ type: String, example: 'ada', pattern: USERNAME_PATTERN.source, nullable: true })
  @IsOptional()
  @IsString()
  @Matches(USERNAME_PATTERN, { message: 'username must be 3-32 letters, digits, ".", "_" or "-"' })
  username?: string;

  @ApiPropertyOptional({ type: String, example: '+44 20 7946 0000', pattern: PHONE_PATTERN.source, nullable: true })
  @IsOptional()
  @IsString()
  @Matches(PHONE_PATTERN, { message: 'phone must be digits with optional +, spaces, dashes and parentheses' })
  phone?: string;
}

/** A profile update: fields left out keep their value; `null` clears a nullable field. */
export class UpdateProfileRequestDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 100, pattern: VISIBLE_TEXT_PATTERN.source })
  @OptionalNonNull()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NO_CONTROL_CHARS, { message: 'name must not contain control characters' })
  name?: string;

  @ApiPropertyOptional({ type: String, pattern: USERNAME_PATTERN.source, nullable: true })
  @IsOptional()
  @IsString()
  @Matches(USERNAME_PATTERN, { message: 'username must be 3-32 letters, digits, ".", "_" or "-"' })
  username?: string;

  @ApiPropertyOptional({ type: String, pattern: PHONE_PATTERN.source, nullable: true })
  @IsOptional()
  @IsString()
  @Matches(PHONE_PATTERN, { message: 'phone must be digits with optional +, spaces, dashes and parentheses' })
  phone?: string;

  @ApiPropertyOptional({ type: String, maxLength: 100, pattern: NO_CONTROL_CHARS.source, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(NO_CONTROL_CHARS)
  business_type?: string;

  @ApiPropertyOptional({ type: String, maxLength: 50, pattern: NO_CONTROL_CHARS.source, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  @Matches(NO_CONTROL_CHARS)
  business_number?: string;

  @ApiPropertyOptional({ type: String, maxLength: 100, pattern: NO_CONTROL_CHARS.source, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(NO_CONTROL_CHARS)
  industry?: string;

  @ApiPropertyOptional({ type: String, maxLength: 100, pattern: NO_CONTROL_CHARS.source, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(NO_CONTROL_CHARS)
  region?: string;
}

export class AdminCreateUserRequestDto extends RegisterRequestDto {
  @ApiPropertyOptional({ enum: ROLES, default: 'user' })
  @OptionalNonNull()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({ default: false })
  @OptionalNonNull()
  @IsBoolean()
  is_verified?: boolean;
}

export class AdminUpdateUserRequestDto extends UpdateProfileRequestDto {
  @ApiPropertyOptional({ format: 'email', maxLength: 320 })
  @OptionalNonNull()
  @IsString()
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional({ description: 'false ends every session of the user' })
  @OptionalNonNull()
  @IsBoolean()
  is_active?: boolean;

  @ApiPropertyOptional()
  @OptionalNonNull()
  @IsBoolean()
  is_verified?: boolean;
}

export class ChangeRoleRequestDto {
  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;
}

const toBool = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

export class ListUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    maxLength: 100,
    description: 'matches email, username or name (a substring, case-insensitive)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;

  @ApiPropertyOptional({ enum: ROLES })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  is_active?: boolean;
}

export class UserResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'email' }) email!: string;
  @ApiProperty({ type: String, nullable: true }) username!: string | null;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) phone!: string | null;
  @ApiProperty({ enum: ROLES }) role!: string;
  @ApiProperty() is_active!: boolean;
  @ApiProperty() is_verified!: boolean;
  @ApiProperty({ type: String, nullable: true }) business_type!: string | null;
  @ApiProperty({ type: String, nullable: true }) business_number!: string | null;
  @ApiProperty({ type: String, nullable: true }) industry!: string | null;
  @ApiProperty({ type: String, nullable: true }) region!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_login_at!: string | null;
}

/**
 * A user as the caller may see them (GET /api/v1/users/{id}, GET /api/v1/users/by-username/
 * {username}, the first version's GET /users/{username}): ONE schema whose private fields are
 * optional, not a `oneOf` of the full and the public user. Those two overlap (every full user
 * is also a valid public user), so generated clients either picked the public one and dropped
 * the private fields or refused the answer as ambiguous. The public fields are always there;
 * the private ones (all of `UserResponseDto`'s) are there for the user themself, admins,
 * moderators and service tokens, and absent for anyone else (contract §1).
 */
export class UserViewDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, nullable: true }) username!: string | null;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiPropertyOptional({ format: 'email', description: 'private: self, staff and services only' }) email?: string;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'private' }) phone?: string | null;
  @ApiPropertyOptional({ enum: ROLES, description: 'private' }) role?: string;
  @ApiPropertyOptional({ description: 'private' }) is_active?: boolean;
  @ApiPropertyOptional({ description: 'private' }) is_verified?: boolean;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'private' }) business_type?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'private' }) business_number?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'private' }) industry?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'private' }) region?: string | null;
  @ApiPropertyOptional({ format: 'date-time', description: 'private' }) updated_at?: string;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: 'private' })
  last_login_at?: string | null;
}

export class UserPageDto {
  @ApiProperty({ type: [UserResponseDto] }) items!: UserResponseDto[];
  @ApiProperty({ type: 'integer', minimum: 0 }) total!: number;
  @ApiProperty({ type: 'integer', minimum: 1 }) page!: number;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 100 }) limit!: number;
}

export const EXPORT_DEFAULT_LIMIT = 100;
const EXPORT_MAX_LIMIT = 500;

/** The users export's page: after the cursor of the previous page (none: from the start). */
export class UserExportQueryDto {
  @ApiPropertyOptional({
    description: "the previous page's next_cursor (opaque); left out for the first page",
    minLength: 23,
    maxLength: 23,
  })
  @IsOptional()
  @IsString()
  @Matches(EXPORT_CURSOR_PATTERN, { message: 'after must be a next_cursor this service returned' })
  after?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: EXPORT_MAX_LIMIT, default: EXPORT_DEFAULT_LIMIT })
  @IsOptional()
  @Transform(toStrictInt)
  @IsInt()
  @Min(1)
  @Max(EXPORT_MAX_LIMIT)
  limit?: number;
}

export class UserExportPageDto {
  @ApiProperty({ type: [UserResponseDto], description: 'full users, erased ones left out, in id order' })
  items!: UserResponseDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'pass as `after` for the next page; null on the last page',
    pattern: EXPORT_CURSOR_PATTERN.source,
  })
  next_cursor!: string | null;
}
