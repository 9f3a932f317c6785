import { Injectable } from '@nestjs/common';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { SessionsService } from '#src/modules/sessions/sessions.service.js';
import type { UserExportDto } from './dto/user-export.dto.js';
import { PersonalDataRegistry } from './personal-data.registry.js';
import { AccountsService } from './accounts.service.js';
import { UserManagementService } from './user-management.service.js';
import { toUserResponse } from './user.mapper.js';
import { UserQueriesService } from './user-queries.service.js';
import { type StepUpProof, StepUpRegistry } from './step-up.registry.js';

/** Data rights of the signed-in user (GDPR): export and erase. */
@Injectable()
export class DataRightsService {
  constructor(
    private readonly accounts: AccountsService,
    private readonly management: UserManagementService,
    private readonly queries: UserQueriesService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly personalData: PersonalDataRegistry,
    private readonly stepUp: StepUpRegistry,
  ) {}

  /** The password, then (with MFA on) the second factor: both under the account's lockout. */
  async eraseSelf(userId: string, password: string, proof: StepUpProof, meta: RequestMeta): Promise<void> {
    await this.accounts.assertPassword(userId, password, meta);
    await this.stepUp.assert(userId, proof, meta);
    await this.management.erase(userId, userId, meta);
  }

  async export(userId: string): Promise<UserExportDto> {
    const [profile, sessions, logins, audit, extras] = await Promise.all([
      this.queries.require(userId).then(toUserResponse),
      this.sessions.listAllForExport(userId),
      this.queries.loginHistory(userId),
      this.audit.aboutUser(userId),
      this.personalData.exportFor(userId),
    ]);
    return {
      exported_at: new Date().toISOString(),
      profile,
      sessions: sessions.map((s) => ({
        id: s.id,
        created_at: s.createdAt.toISOString(),
        last_used_at: s.lastUsedAt.toISOString(),
        expires_at: s.expiresAt.toISOString(),
        revoked_at: s.revokedAt?.toISOString() ?? null,
        ip_address: s.ipAddress,
        user_agent: s.userAgent,
      })),
      login_history: logins.map((l) => ({
        created_at: l.createdAt.toISOString(),
        ip: l.ip,
        user_agent: l.userAgent,
        success: l.success,
        reason: l.reason,
      })),
      audit: audit.map((a) => ({
        action: a.action,
        actor_id: a.actorId,
        details: a.details,
        created_at: a.createdAt.toISOString(),
      })),
      badges: extras.badges,
      goals: extras.goals,
    };
  }
}
