import { Module } from '@nestjs/common';
import { AuditModule } from '#src/modules/audit/audit.module.js';
import { LockoutModule } from '#src/modules/lockout/lockout.module.js';
import { SessionsModule } from '#src/modules/sessions/sessions.module.js';
import { UsersModule } from '#src/modules/users/users.module.js';
import { MfaChallengeService } from './mfa-challenge.service.js';
import { MfaAdminController, MfaController } from './mfa.controller.js';
import { MfaPersonalData } from './mfa.personal-data.js';
import { MfaRepository } from './mfa.repository.js';
import { MfaService } from './mfa.service.js';
import { RecoveryCodeMethod } from './recovery-code.method.js';
import { SecondFactorService } from './second-factor.service.js';
import { TotpSecretCipher } from './totp-secret.cipher.js';
import { TotpMethod } from './totp.method.js';

/**
 * The second factor (TOTP and recovery codes): enrolment and its routes, the second login
 * step's token and checks (used by login), step-up for sensitive routes.
 */
@Module({
  imports: [UsersModule, SessionsModule, AuditModule, LockoutModule],
  controllers: [MfaController, MfaAdminController],
  providers: [
    MfaRepository,
    TotpSecretCipher,
    TotpMethod,
    RecoveryCodeMethod,
    SecondFactorService,
    MfaChallengeService,
    MfaService,
    MfaPersonalData,
  ],
  exports: [SecondFactorService, MfaChallengeService, MfaService],
})
export class MfaModule {}
