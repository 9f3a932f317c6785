import { Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { SessionsModule } from '#src/modules/sessions/sessions.module.js';
import { SessionsService } from '#src/modules/sessions/sessions.service.js';
import { MetricsController } from './metrics.controller.js';
import { addActiveSessionSource } from './metrics.js';

@Module({ imports: [SessionsModule], controllers: [MetricsController] })
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
