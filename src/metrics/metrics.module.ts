import { Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { SessionsModule } from '#src/modules/sessions/sessions.module.js';
import { SessionsService } from '#src/modules/sessions/sessions.service.js';
import { addActiveSessionSource } from './metrics.js';

/**
 * Feeds the active-sessions gauge. The series are served by MetricsServer on METRICS_PORT
 * (started by app.factory.ts), never by a route of the API.
 */
@Module({ imports: [SessionsModule] })
export class MetricsModule implements OnModuleInit, OnApplicationShutdown {
  private remove: (() => void) | undefined;

  constructor(private readonly sessions: SessionsService) {}

  onModuleInit(): void {
    this.remove = addActiveSessionSource(() => this.sessions.countActive());
  }

  onApplicationShutdown(): void {
    this.remove?.();
  }
}
