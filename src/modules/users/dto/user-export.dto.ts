import { ApiProperty } from '@nestjs/swagger';
import { UserResponseDto } from './user.dto.js';

export class ExportSessionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) last_used_at!: string;
  @ApiProperty({ format: 'date-time' }) expires_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revoked_at!: string | null;
  @ApiProperty({ type: String, nullable: true }) ip_address!: string | null;
  @ApiProperty({ type: String, nullable: true }) user_agent!: string | null;
}

export class ExportLoginDto {
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: String, nullable: true }) ip!: string | null;
  @ApiProperty({ type: String, nullable: true }) user_agent!: string | null;
  @ApiProperty() success!: boolean;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
}

export class ExportAuditDto {
  @ApiProperty() action!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) actor_id!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class ExportBadgeDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ type: String, format: 'uri', nullable: true }) icon_url!: string | null;
  @ApiProperty({ format: 'date-time' }) date_achieved!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class ExportGoalDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ enum: ['in-progress', 'completed'] }) status!: string;
  @ApiProperty() streak_count!: number;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class UserExportDto {
  @ApiProperty({ format: 'date-time' }) exported_at!: string;
  @ApiProperty({ type: UserResponseDto }) profile!: UserResponseDto;
  @ApiProperty({ type: [ExportSessionDto] }) sessions!: ExportSessionDto[];
  @ApiProperty({ type: [ExportLoginDto] }) login_history!: ExportLoginDto[];
  @ApiProperty({ type: [ExportAuditDto] }) audit!: ExportAuditDto[];
  @ApiProperty({ type: [ExportBadgeDto] }) badges!: ExportBadgeDto[];
  @ApiProperty({ type: [ExportGoalDto] }) goals!: ExportGoalDto[];
}
