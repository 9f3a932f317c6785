import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { managerOf, type Db } from '#src/database/transaction.js';
import { AuditEntry } from './audit-entry.entity.js';

export type NewAuditEntry = Pick<AuditEntry, 'action'> &
  Partial<Pick<AuditEntry, 'actorId' | 'targetUserId' | 'details' | 'ip' | 'requestId'>>;

@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(db: Db, entry: NewAuditEntry): Promise<void> {
    await managerOf(this.dataSource, db).insert(AuditEntry, {
      details: {},
      ...entry,
    } as QueryDeepPartialEntity<AuditEntry>);
  }

  async list(filter: { userId?: string; action?: string; page: number; limit: number }): Promise<{
    items: AuditEntry[];
    total: number;
  }> {
    const qb = this.dataSource.manager.createQueryBuilder(AuditEntry, 'a');
    if (filter.userId !== undefined) qb.andWhere('a.target_user_id = :uid', { uid: filter.userId });
    if (filter.action !== undefined) qb.andWhere('a.action = :action', { action: filter.action });
    const [items, total] = await qb
      .orderBy('a.created_at', 'DESC')
      .addOrderBy('a.id', 'ASC')
      .skip((filter.page - 1) * filter.limit)
      .take(filter.limit)
      .getManyAndCount();
    return { items, total };
  }

  aboutUser(userId: string): Promise<AuditEntry[]> {
    return this.dataSource.manager.find(AuditEntry, {
      where: { targetUserId: userId },
      order: { createdAt: 'DESC' },
      take: 1000,
    });
  }
}
