import { Module } from '@nestjs/common';
import { AuditModule } from '#src/modules/audit/audit.module.js';
import { LockoutService } from './lockout.service.js';

/** The per-account lockout every password check shares (login, verify-credentials, change, delete). */
@Module({ imports: [AuditModule], providers: [LockoutService], exports: [LockoutService] })
export class LockoutModule {}
