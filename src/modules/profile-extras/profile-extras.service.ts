import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { UserPrincipal } from '#src/common/auth/principal.js';
import { AppException } from '#src/common/errors/app.exception.js';
import { type PageQueryDto, pageOf } from '#src/common/http/page-query.dto.js';
import { TransactionRunner, type Tx } from '#src/database/transaction.js';
import type { Role } from '#src/modules/users/user.entity.js';
import {
  type PersonalDataContributor,
  type PersonalDataExport,
  PersonalDataRegistry,
} from '#src/modules/users/personal-data.registry.js';
import { AccountsService } from '#src/modules/users/accounts.service.js';
import type { BadgeResponseDto, CreateBadgeRequestDto } from './dto/badge.dto.js';
import type { CreateGoalRequestDto, GoalResponseDto, UpdateGoalRequestDto } from './dto/learning-goal.dto.js';
import { toBadgeExport, toBadgeResponse, toGoalExport, toGoalResponse } from './profile-extras.mapper.js';
import { type GoalChanges, ProfileExtrasRepository } from './profile-extras.repository.js';

export interface Paged<T> {
  items: T[];
  total: number;
  page: number;
  limit: number;
}

/** Who may write each kind of extra besides the owner (contract §1). */
const BADGE_WRITERS: readonly Role[] = ['admin', 'moderator'];
const GOAL_WRITERS: readonly Role[] = ['admin'];

/** Clock skew allowed on a client's `date_achieved`. */
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

/**
 * Badges and learning goals (contract §1): public reads, writes by the owner or staff. The
 * extras are personal data: they join the GDPR export and are deleted on erasure.
 */
@Injectable()
export class ProfileExtrasService implements OnModuleInit, PersonalDataContributor {
  constructor(
    private readonly extras: ProfileExtrasRepository,
    private readonly accounts: AccountsService,
    private readonly transactions: TransactionRunner,
    private readonly personalData: PersonalDataRegistry,
  ) {}

  onModuleInit(): void {
    this.personalData.register(this);
  }

  async listBadges(userId: string, query: PageQueryDto): Promise<Paged<BadgeResponseDto>> {
    await this.requireUser(userId);
    const page = pageOf(query);
    const { items, total } = await this.extras.listBadges(userId, page);
    return { items: items.map(toBadgeResponse), total, ...page };
  }

  async addBadge(userId: string, dto: CreateBadgeRequestDto, actor: UserPrincipal): Promise<BadgeResponseDto> {
    assertMayWrite(actor, userId, BADGE_WRITERS);
    await this.requireUser(userId);
    const dateAchieved = dto.date_achieved === undefined ? undefined : new Date(dto.date_achieved);
    if (dateAchieved !== undefined && dateAchieved.getTime() > Date.now() + FUTURE_TOLERANCE_MS) {
      throw new AppException('COMMON_1000', 'Validation failed', [
        { field: 'date_achieved', errors: ['date_achieved must not be in the future'] },
      ]);
    }
    const badge = await this.transactions.run(async (tx) => {
      await this.lockOwner(tx, userId);
      return this.extras.insertBadge(tx, {
        userId,
        name: dto.name,
        description: dto.description ?? null,
        iconUrl: dto.icon_url ?? null,
        ...(dateAchieved === undefined ? {} : { dateAchieved }),
      });
    });
    return toBadgeResponse(badge);
  }

  async listGoals(userId: string, query: PageQueryDto): Promise<Paged<GoalResponseDto>> {
    await this.requireUser(userId);
    const page = pageOf(query);
    const { items, total } = await this.extras.listGoals(userId, page);
    return { items: items.map(toGoalResponse), total, ...page };
  }

  async addGoal(userId: string, dto: CreateGoalRequestDto, actor: UserPrincipal): Promise<GoalResponseDto> {
    assertMayWrite(actor, userId, GOAL_WRITERS);
    await this.requireUser(userId);
    const goal = await this.transactions.run(async (tx) => {
      await this.lockOwner(tx, userId);
      return this.extras.insertGoal(tx, {
        userId,
        title: dto.title,
        description: dto.description ?? null,
        status: dto.status ?? 'in-progress',
        streakCount: dto.streak_count ?? 0,
      });
    });
    return toGoalResponse(goal);
  }

  async updateGoal(
    userId: string,
    goalId: string,
    dto: UpdateGoalRequestDto,
    actor: UserPrincipal,
  ): Promise<GoalResponseDto> {
    assertMayWrite(actor, userId, GOAL_WRITERS);
    await this.requireUser(userId);
    const changes: GoalChanges = {};
    if (dto.title !== undefined) changes.title = dto.title;
    if (dto.description !== undefined) changes.description = dto.description;
    if (dto.status !== undefined) changes.status = dto.status;
    if (dto.streak_count !== undefined) changes.streakCount = dto.streak_count;
    const goal = await this.extras.updateGoal(userId, goalId, changes);
    if (goal === null) throw new AppException('USER_1301');
    return toGoalResponse(goal);
  }

  async removeGoal(userId: string, goalId: string, actor: UserPrincipal): Promise<void> {
    assertMayWrite(actor, userId, GOAL_WRITERS);
    await this.requireUser(userId);
    if (!(await this.extras.deleteGoal(userId, goalId))) throw new AppException('USER_1301');
  }

  async exportFor(userId: string): Promise<Partial<PersonalDataExport>> {
    const { badges, goals } = await this.extras.allOfUser(userId);
    return { badges: badges.map(toBadgeExport), goals: goals.map(toGoalExport) };
  }

  eraseFor(tx: Tx, userId: string): Promise<void> {
    return this.extras.deleteAllOfUser(tx, userId);
  }

  /** Missing and erased users are USER_1101. */
  private async requireUser(userId: string): Promise<void> {
    if ((await this.accounts.findOrNull(userId)) === null) throw new AppException('USER_1101');
  }

  /** Re-checks inside the write's transaction, holding the owner row against a concurrent erasure. */
  private async lockOwner(tx: Tx, userId: string): Promise<void> {
    if (!(await this.extras.lockLiveOwner(tx, userId))) throw new AppException('USER_1101');
  }
}

/** The owner, or a signed-in user with one of `roles`; anyone else is COMMON_1003. */
function assertMayWrite(actor: UserPrincipal, ownerId: string, roles: readonly Role[]): void {
  if (actor.userId !== ownerId && !roles.includes(actor.role)) throw new AppException('COMMON_1003');
}
