import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { NO_CONTROL_CHARS } from '#src/common/http/dto-rules.js';
import { GOAL_STATUSES, type GoalStatus } from '../learning-goal.entity.js';
import { MULTILINE_TEXT, trim } from './text-rules.js';

/** PostgreSQL integer: a streak cannot overflow the column. */
const MAX_STREAK = 2_147_483_647;

export class CreateGoalRequestDto {
  @ApiProperty({ example: 'Finish the TypeScript course', minLength: 1, maxLength: 200 })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(NO_CONTROL_CHARS, { message: 'title must not contain control characters' })
  title!: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @Matches(MULTILINE_TEXT, { message: 'description must not contain control characters other than line breaks' })
  description?: string;

  @ApiPropertyOptional({ enum: GOAL_STATUSES, default: 'in-progress' })
  @IsOptional()
  @IsIn(GOAL_STATUSES)
  status?: GoalStatus;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_STREAK, default: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_STREAK)
  streak_count?: number;
}

/** A goal's update (contract §1): any subset of the fields; those left out keep their value. */
export class UpdateGoalRequestDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 })
  @ValidateIf((o: UpdateGoalRequestDto) => o.title !== undefined)
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(NO_CONTROL_CHARS, { message: 'title must not contain control characters' })
  title?: string;

  @ApiPropertyOptional({ type: String, maxLength: 2000, nullable: true, description: 'null clears it' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @Matches(MULTILINE_TEXT, { message: 'description must not contain control characters other than line breaks' })
  description?: string | null;

  @ApiPropertyOptional({ enum: GOAL_STATUSES })
  @ValidateIf((o: UpdateGoalRequestDto) => o.status !== undefined)
  @IsIn(GOAL_STATUSES)
  status?: GoalStatus;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_STREAK })
  @ValidateIf((o: UpdateGoalRequestDto) => o.streak_count !== undefined)
  @IsInt()
  @Min(0)
  @Max(MAX_STREAK)
  streak_count?: number;
}

export class GoalResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ enum: GOAL_STATUSES }) status!: GoalStatus;
  @ApiProperty() streak_count!: number;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class GoalPageDto {
  @ApiProperty({ type: [GoalResponseDto] }) items!: GoalResponseDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() limit!: number;
}
