import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsISO8601, IsOptional, IsString, IsUrl, Matches, MaxLength, MinLength } from 'class-validator';
import { NO_CONTROL_CHARS } from '#src/common/http/dto-rules.js';
import { MULTILINE_TEXT, trim } from './text-rules.js';

export class CreateBadgeRequestDto {
  @ApiProperty({ example: 'First week', minLength: 1, maxLength: 100 })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NO_CONTROL_CHARS, { message: 'name must not contain control characters' })
  name!: string;

  @ApiPropertyOptional({ example: 'Studied seven days in a row', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @Matches(MULTILINE_TEXT, { message: 'description must not contain control characters other than line breaks' })
  description?: string;

  @ApiPropertyOptional({ example: 'https://cdn.example.com/badges/week.png', format: 'uri', maxLength: 2048 })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_valid_protocol: true },
    { message: 'icon_url must be an http(s) URL' },
  )
  icon_url?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'when it was earned; default now; not in the future' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  date_achieved?: string;
}

export class BadgeResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: String, format: 'uri', nullable: true }) icon_url!: string | null;
  @ApiProperty({ format: 'date-time' }) date_achieved!: string;
}

export class BadgePageDto {
  @ApiProperty({ type: [BadgeResponseDto] }) items!: BadgeResponseDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() limit!: number;
}
