import { Injectable, Logger } from '@nestjs/common';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { AppException } from '#src/common/errors/app.exception.js';
import { NO_CONTROL_CHARS, PHONE_PATTERN, USERNAME_PATTERN } from '#src/common/http/dto-rules.js';
import { TransactionRunner } from '#src/database/transaction.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import type { ImportReportDto, ImportResultDto, ImportUserDto } from './dto/user-import.dto.js';
import { PasswordHasher } from '#src/modules/auth/passwords/password-hasher.service.js';
import type { HashAlgorithm } from '#src/modules/auth/passwords/password-hash-formats.js';
import { normaliseEmail } from './email.js';
import { UserCreationService } from './user-creation.service.js';

type Checked = { ok: true; email: string; name: string; algorithm: HashAlgorithm } | { ok: false; reason: string };

/**
 * POST /api/v1/users/import: users from another system with their existing password
 * hashes. Each user is its own transaction (user row, `user.created` event with source
 * `import`, `user.import` audit row), so one bad user never undoes the others, and a
 * retry after an error is safe: users already imported come back as skipped.
 */
@Injectable()
export class UserImportService {
  private readonly logger = new Logger(UserImportService.name);

  constructor(
    private readonly creation: UserCreationService,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
  ) {}

  async import(entries: ImportUserDto[], actorId: string, meta: RequestMeta): Promise<ImportReportDto> {
    const results: ImportResultDto[] = [];
    // One at a time: a batch must not take the whole pool from the other requests.
    for (const entry of entries) results.push(await this.importOne(entry, actorId, meta));
    const count = (status: ImportResultDto['status']): number => results.filter((r) => r.status === status).length;
    const report = { imported: count('imported'), skipped: count('skipped'), failed: count('failed'), results };
    this.logger.log(
      { actor_id: actorId, imported: report.imported, skipped: report.skipped, failed: report.failed },
      'users imported',
    );
    return report;
  }

  private async importOne(entry: ImportUserDto, actorId: string, meta: RequestMeta): Promise<ImportResultDto> {
    const checked = this.check(entry);
    if (!checked.ok) return { email: entry.email, status: 'failed', reason: checked.reason };
    try {
      const user = await this.transactions.run(async (tx) => {
        const created = await this.creation.insertWithEvent(
          tx,
          {
            email: checked.email,
            name: checked.name,
            username: entry.username ?? null,
            phone: entry.phone ?? null,
            passwordHash: entry.password_hash,
            role: entry.role ?? 'user',
            isVerified: entry.is_verified ?? false,
          },
          'import',
        );
        await this.audit.record(tx, 'user.import', {
          actorId,
          targetUserId: created.id,
          details: { hash_algorithm: checked.algorithm },
          meta,
        });
        return created;
      });
      this.creation.countSignup('import');
      return { email: entry.email, status: 'imported', id: user.id };
    } catch (error) {
      if (error instanceof AppException && error.code === 'USER_1102') {
        return { email: entry.email, status: 'skipped', reason: 'email already registered' };
      }
      if (error instanceof AppException && error.code === 'USER_1105') {
        return { email: entry.email, status: 'skipped', reason: 'username taken' };
      }
      throw error;
    }
  }

  /** The rules of sign-up for each field, and an accepted hash format. */
  private check(entry: ImportUserDto): Checked {
    let email: string;
    try {
      email = normaliseEmail(entry.email);
    } catch {
      return { ok: false, reason: 'invalid email' };
    }
    const name = entry.name.trim();
    const length = [...name].length;
    if (length === 0 || length > 100 || !NO_CONTROL_CHARS.test(name)) {
      return { ok: false, reason: 'name must be 1-100 characters without control characters' };
    }
    if (entry.username !== undefined && !USERNAME_PATTERN.test(entry.username)) {
      return { ok: false, reason: 'username must be 3-32 letters, digits, ".", "_" or "-"' };
    }
    if (entry.phone !== undefined && !PHONE_PATTERN.test(entry.phone)) {
      return { ok: false, reason: 'phone must be digits with optional +, spaces, dashes and parentheses' };
    }
    const format = this.hasher.identify(entry.password_hash);
    if (!format.ok) return { ok: false, reason: `password_hash: ${format.reason}` };
    return { ok: true, email, name, algorithm: format.algorithm };
  }
}
