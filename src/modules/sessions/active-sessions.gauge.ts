import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { addActiveSessionSource } from '#src/metrics/metrics.js';
import { SessionsService } from './sessions.service.js';

/**
 * Feeds the active-sessions gauge defined in metrics/ (metrics define, features feed: the
 * metrics code imports no feature). Served by MetricsServer on METRICS_PORT.
 */
@Injectable()
export class ActiveSessionsGauge implements OnModuleInit, OnApplicationShutdown {
  private remove: (() => void) | undefined;

  constructor(private readonly sessions: SessionsService) {}

  onModuleInit(): void {
    this.remove = addActiveSessionSource(() => this.sessions.countActive());
  }

  onApplicationShutdown(): void {
    this.remove?.();
  }
}
