import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { HealthCheckResult } from '@nestjs/terminus';
import { Public } from '#src/common/decorators/auth.decorators.js';
import { ErrorBodyDto } from '#src/common/http/api-errors.decorator.js';
import { HealthService, type Stats } from './health.service.js';

class StatusOkDto {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
}

class ReadinessDto {
  @ApiProperty({ enum: ['ok', 'degraded'] }) status!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) info!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true }) error!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
}

const STATES = ['healthy', 'unhealthy', 'disabled'];

class EventsStatsDto {
  @ApiProperty({ enum: STATES }) broker!: string;
  @ApiProperty({ type: Number, nullable: true }) outbox_pending!: number | null;
}

class StatsDto {
  @ApiProperty() service!: string;
  @ApiProperty() version!: string;
  @ApiProperty() uptime_seconds!: number;
  @ApiProperty({ enum: STATES }) database!: string;
  @ApiProperty({ enum: STATES }) cache!: string;
  @ApiProperty({ type: EventsStatsDto }) events!: EventsStatsDto;
}

@ApiTags('operations')
@Controller()
@Public()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('health')
  @ApiOperation({ summary: "The first version's health check" })
  @ApiOkResponse({ type: StatusOkDto })
  status(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/liveness')
  @ApiOperation({ summary: 'Liveness: the process answers; checks nothing external' })
  @ApiOkResponse({ type: StatusOkDto })
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/readiness')
  @ApiOperation({ summary: 'Readiness: 200 when the database answers; cache and broker reported' })
  @ApiOkResponse({ type: ReadinessDto })
  @ApiServiceUnavailableResponse({ type: ErrorBodyDto, description: 'COMMON_1503: not ready (details per dependency)' })
  readiness(): Promise<HealthCheckResult> {
    return this.health.readiness();
  }

  @Get('stats')
  @ApiOperation({ summary: 'Service state: dependencies and outbox backlog' })
  @ApiOkResponse({ type: StatsDto })
  stats(): Promise<Stats> {
    return this.health.stats();
  }
}
