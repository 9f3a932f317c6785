import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { USERNAME_PATTERN, PHONE_PATTERN } from '#src/common/http/dto-rules.js';
import { ROLES, type Role } from '../user.entity.js';

export const MAX_IMPORT_USERS = 1000;

/**
 * One user to import. Only the shape is checked here (a malformed batch is refused whole);
 * each user's content (email, username, phone, hash format) is checked on its own, so one
 * bad user fails alone in the report.
 */
export class ImportUserDto {
  @ApiProperty({ example: 'ada@example.com', format: 'email', maxLength: 320 })
  @IsString()
  @MaxLength(1024)
  email!: string;

  @ApiProperty({ example: 'Ada Lovelace', minLength: 1, maxLength: 100 })
  @IsString()
  @MaxLength(1024)
  name!: string;

  @ApiPropertyOptional({ example: 'ada', pattern: USERNAME_PATTERN.source })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  username?: string;

  @ApiPropertyOptional({ pattern: PHONE_PATTERN.source })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  phone?: string;

  @ApiPropertyOptional({ enum: ROLES, default: 'user' })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  is_verified?: boolean;

  @ApiProperty({
    maxLength: 1024,
    example: 'scrypt:32768:8:1$Ar9X9LA8rxmWatHX$a3b2…',
    description:
      'an existing hash: argon2id or argon2i (PHC string), bcrypt ($2a$, $2b$, $2y$), werkzeug pbkdf2:sha256:N$salt$hex or scrypt:N:r:p$salt$hex. Costs are bounded, as each login pays them: bcrypt ≤ 12, pbkdf2 ≤ 1 000 000 iterations (sha512 ≤ 350 000), scrypt 128·N·r ≤ 64 MiB and N·r·p ≤ 2^19, argon2 m ≤ 64 MiB and m·t ≤ 3 × 64 MiB; a dearer hash fails its row with the reason. Replaced by argon2id at the first login.',
  })
  @IsString()
  @MaxLength(1024)
  password_hash!: string;
}

export class ImportUsersRequestDto {
  @ApiProperty({ type: [ImportUserDto], minItems: 1, maxItems: MAX_IMPORT_USERS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_IMPORT_USERS)
  @ValidateNested({ each: true })
  @Type(() => ImportUserDto)
  users!: ImportUserDto[];
}

const IMPORT_STATUSES = ['imported', 'skipped', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

export class ImportResultDto {
  @ApiProperty({ description: 'as given in the request' }) email!: string;
  @ApiProperty({ enum: IMPORT_STATUSES }) status!: ImportStatus;
  @ApiPropertyOptional({ format: 'uuid', description: 'the new user, when imported' }) id?: string;
  @ApiPropertyOptional({ description: 'why it was skipped or failed' }) reason?: string;
}

export class ImportReportDto {
  @ApiProperty() imported!: number;
  @ApiProperty({ description: 'email or username already registered' }) skipped!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({ type: [ImportResultDto], description: 'one per user, in request order' })
  results!: ImportResultDto[];
}
