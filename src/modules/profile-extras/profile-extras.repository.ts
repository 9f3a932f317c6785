import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { managerOf, type Db, type Tx } from '#src/database/transaction.js';
import { User } from '#src/modules/users/user.entity.js';
import { Badge } from './badge.entity.js';
import { LearningGoal } from './learning-goal.entity.js';

export type NewBadge = Pick<Badge, 'userId' | 'name' | 'description' | 'iconUrl'> & { dateAchieved?: Date };
export type NewGoal = Pick<LearningGoal, 'userId' | 'title' | 'description' | 'status' | 'streakCount'>;
export type GoalChanges = Partial<Pick<LearningGoal, 'title' | 'description' | 'status' | 'streakCount'>>;

interface Page {
  page: number;
  limit: number;
}

/** Badges and learning goals: the profile extras of one user. */
@Injectable()
export class ProfileExtrasRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Locks the owner's row (FOR SHARE) while it is not erased, so an insert cannot slip in
   * after an erasure deleted the extras; false when the user is missing or erased.
   */
  async lockLiveOwner(tx: Tx, userId: string): Promise<boolean> {
    const owner = await tx.manager
      .createQueryBuilder(User, 'u')
      .select('u.id')
      .where('u.id = :userId AND u.deleted_at IS NULL', { userId })
      .setLock('pessimistic_read')
      .getOne();
    return owner !== null;
  }

  async insertBadge(tx: Tx, data: NewBadge): Promise<Badge> {
    const result = await tx.manager.insert(Badge, data);
    const id = (result.identifiers[0] as { id: string }).id;
    return (await tx.manager.findOne(Badge, { where: { id } })) as Badge;
  }

  async listBadges(userId: string, page: Page): Promise<{ items: Badge[]; total: number }> {
    const [items, total] = await this.dataSource.manager.findAndCount(Badge, {
      where: { userId },
      order: { dateAchieved: 'DESC', id: 'ASC' },
      skip: (page.page - 1) * page.limit,
      take: page.limit,
    });
    return { items, total };
  }

  async insertGoal(tx: Tx, data: NewGoal): Promise<LearningGoal> {
    const result = await tx.manager.insert(LearningGoal, data);
    const id = (result.identifiers[0] as { id: string }).id;
    return (await tx.manager.findOne(LearningGoal, { where: { id } })) as LearningGoal;
  }

  async listGoals(userId: string, page: Page): Promise<{ items: LearningGoal[]; total: number }> {
    const [items, total] = await this.dataSource.manager.findAndCount(LearningGoal, {
      where: { userId },
      order: { createdAt: 'DESC', id: 'ASC' },
      skip: (page.page - 1) * page.limit,
      take: page.limit,
    });
    return { items, total };
  }

  /** The goal when it belongs to this user; null otherwise. */
  async updateGoal(userId: string, goalId: string, changes: GoalChanges): Promise<LearningGoal | null> {
    const manager = this.dataSource.manager;
    if (Object.keys(changes).length > 0) {
      const result = await manager.update(LearningGoal, { id: goalId, userId }, changes);
      if (result.affected === 0) return null;
    }
    return manager.findOne(LearningGoal, { where: { id: goalId, userId } });
  }

  /** true when the goal existed and belonged to this user. */
  async deleteGoal(userId: string, goalId: string): Promise<boolean> {
    const result = await this.dataSource.manager.delete(LearningGoal, { id: goalId, userId });
    return (result.affected ?? 0) > 0;
  }

  /** Everything of one user, for the GDPR export (bounded like the other export sections). */
  async allOfUser(userId: string): Promise<{ badges: Badge[]; goals: LearningGoal[] }> {
    const manager = this.dataSource.manager;
    const [badges, goals] = await Promise.all([
      manager.find(Badge, { where: { userId }, order: { dateAchieved: 'DESC', id: 'ASC' }, take: 10_000 }),
      manager.find(LearningGoal, { where: { userId }, order: { createdAt: 'DESC', id: 'ASC' }, take: 10_000 }),
    ]);
    return { badges, goals };
  }

  async deleteAllOfUser(db: Db, userId: string): Promise<void> {
    const manager = managerOf(this.dataSource, db);
    await manager.delete(Badge, { userId });
    await manager.delete(LearningGoal, { userId });
  }
}
