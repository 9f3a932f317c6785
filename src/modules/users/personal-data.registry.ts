import { Injectable } from '@nestjs/common';
import type { Tx } from '#src/database/transaction.js';
import type { ExportBadgeDto, ExportGoalDto } from './dto/user-export.dto.js';

/** The export sections other modules contribute. */
export interface PersonalDataExport {
  badges: ExportBadgeDto[];
  goals: ExportGoalDto[];
}

/**
 * Personal data another module keeps about a user (badges, learning goals...). Such a
 * module depends on this one, so it registers here instead of being injected, and users
 * never depend back on it.
 */
export interface PersonalDataContributor {
  /** Its sections of `GET /api/v1/users/me/export`. */
  exportFor(userId: string): Promise<Partial<PersonalDataExport>>;
  /** Deletes the user's rows, inside the erase transaction. */
  eraseFor(tx: Tx, userId: string): Promise<void>;
}

/** Export and erasure reach every contributor through this registry. */
@Injectable()
export class PersonalDataRegistry {
  private readonly contributors: PersonalDataContributor[] = [];

  register(contributor: PersonalDataContributor): void {
    if (!this.contributors.includes(contributor)) this.contributors.push(contributor);
  }

  async exportFor(userId: string): Promise<PersonalDataExport> {
    const sections = await Promise.all(this.contributors.map((c) => c.exportFor(userId)));
    return Object.assign({ badges: [], goals: [] }, ...sections) as PersonalDataExport;
  }

  async eraseFor(tx: Tx, userId: string): Promise<void> {
    for (const contributor of this.contributors) await contributor.eraseFor(tx, userId);
  }
}
