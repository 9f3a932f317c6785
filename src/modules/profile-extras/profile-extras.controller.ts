import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { UserPrincipal } from '#src/common/auth/principal.js';
import { Authenticated, CurrentUser, Public } from '#src/common/decorators/auth.decorators.js';
import { ApiErrors } from '#src/common/http/api-errors.decorator.js';
import { PageQueryDto } from '#src/common/http/page-query.dto.js';
import { UuidParam } from '#src/common/http/uuid-param.pipe.js';
import { BadgePageDto, BadgeResponseDto, CreateBadgeRequestDto } from './dto/badge.dto.js';
import { CreateGoalRequestDto, GoalPageDto, GoalResponseDto, UpdateGoalRequestDto } from './dto/learning-goal.dto.js';
import { ProfileExtrasService } from './profile-extras.service.js';

/** Badges and learning goals (contract §1). Ownership is checked in the service. */
@ApiTags('profile extras')
@Controller('api/v1/users')
export class ProfileExtrasController {
  constructor(private readonly extras: ProfileExtrasService) {}

  @Get(':id/badges')
  @Public()
  @ApiOperation({ summary: "A user's badges, newest first (public)" })
  @ApiOkResponse({ type: BadgePageDto })
  @ApiErrors('COMMON_1000', 'USER_1101')
  listBadges(@Param('id', UuidParam('id')) id: string, @Query() query: PageQueryDto): Promise<BadgePageDto> {
    return this.extras.listBadges(id, query);
  }

  @Post(':id/badges')
  @Authenticated()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Award a badge (the user, an admin or a moderator)' })
  @ApiCreatedResponse({ type: BadgeResponseDto })
  @ApiErrors('COMMON_1000', 'COMMON_1001', 'COMMON_1003', 'COMMON_1400', 'USER_1005', 'USER_1006', 'USER_1101')
  addBadge(
    @Param('id', UuidParam('id')) id: string,
    @Body() dto: CreateBadgeRequestDto,
    @CurrentUser() actor: UserPrincipal,
  ): Promise<BadgeResponseDto> {
    return this.extras.addBadge(id, dto, actor);
  }

  @Get(':id/goals')
  @Public()
  @ApiOperation({ summary: "A user's learning goals, newest first (public)" })
  @ApiOkResponse({ type: GoalPageDto })
  @ApiErrors('COMMON_1000', 'USER_1101')
  listGoals(@Param('id', UuidParam('id')) id: string, @Query() query: PageQueryDto): Promise<GoalPageDto> {
    return this.extras.listGoals(id, query);
  }

  @Post(':id/goals')
  @Authenticated()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Add a learning goal (the user or an admin); streak_count starts at 0' })
  @ApiCreatedResponse({ type: GoalResponseDto })
  @ApiErrors('COMMON_1000', 'COMMON_1001', 'COMMON_1003', 'COMMON_1400', 'USER_1005', 'USER_1006', 'USER_1101')
  addGoal(
    @Param('id', UuidParam('id')) id: string,
    @Body() dto: CreateGoalRequestDto,
    @CurrentUser() actor: UserPrincipal,
  ): Promise<GoalResponseDto> {
    return this.extras.addGoal(id, dto, actor);
  }

  @Put(':id/goals/:goal_id')
  @Authenticated()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Update a learning goal (the user or an admin); fields left out keep their value' })
  @ApiOkResponse({ type: GoalResponseDto })
  @ApiErrors(
    'COMMON_1000',
    'COMMON_1001',
    'COMMON_1003',
    'COMMON_1400',
    'USER_1005',
    'USER_1006',
    'USER_1101',
    'USER_1301',
  )
  updateGoal(
    @Param('id', UuidParam('id')) id: string,
    @Param('goal_id', UuidParam('goal_id')) goalId: string,
    @Body() dto: UpdateGoalRequestDto,
    @CurrentUser() actor: UserPrincipal,
  ): Promise<GoalResponseDto> {
    return this.extras.updateGoal(id, goalId, dto, actor);
  }

  @Delete(':id/goals/:goal_id')
  @Authenticated()
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Delete a learning goal (the user or an admin)' })
  @ApiNoContentResponse()
  @ApiErrors('COMMON_1000', 'COMMON_1001', 'COMMON_1003', 'USER_1005', 'USER_1006', 'USER_1101', 'USER_1301')
  removeGoal(
    @Param('id', UuidParam('id')) id: string,
    @Param('goal_id', UuidParam('goal_id')) goalId: string,
    @CurrentUser() actor: UserPrincipal,
  ): Promise<void> {
    return this.extras.removeGoal(id, goalId, actor);
  }
}
