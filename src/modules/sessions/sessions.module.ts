import { Module } from '@nestjs/common';
import { AuditModule } from '#src/modules/audit/audit.module.js';
import { ActiveSessionsGauge } from './active-sessions.gauge.js';
import { SessionRevocationService } from './session-revocation.service.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsRepository } from './sessions.repository.js';
import { SessionsService } from './sessions.service.js';

/** The session store (open, rotate, revoke, alive) and the `/api/v1/sessions` routes. */
@Module({
  imports: [AuditModule],
  controllers: [SessionsController],
  providers: [SessionsRepository, SessionsService, SessionRevocationService, ActiveSessionsGauge],
  exports: [SessionsService, SessionRevocationService],
})
export class SessionsModule {}
