import type { ExportBadgeDto, ExportGoalDto } from '#src/modules/users/dto/user-export.dto.js';
import type { Badge } from './badge.entity.js';
import type { LearningGoal } from './learning-goal.entity.js';
import type { BadgeResponseDto } from './dto/badge.dto.js';
import type { GoalResponseDto } from './dto/learning-goal.dto.js';

const iso = (d: Date | string): string => new Date(d).toISOString();

/** Whitelisting mappers: the fields of contract §1, never the owner or a new column by accident. */
export function toBadgeResponse(badge: Badge): BadgeResponseDto {
  return {
    id: badge.id,
    name: badge.name,
    description: badge.description,
    icon_url: badge.iconUrl,
    date_achieved: iso(badge.dateAchieved),
  };
}

export function toGoalResponse(goal: LearningGoal): GoalResponseDto {
  return {
    id: goal.id,
    title: goal.title,
    description: goal.description,
    status: goal.status,
    streak_count: goal.streakCount,
    created_at: iso(goal.createdAt),
    updated_at: iso(goal.updatedAt),
  };
}

/** The export also says when a badge was recorded. */
export function toBadgeExport(badge: Badge): ExportBadgeDto {
  return { ...toBadgeResponse(badge), created_at: iso(badge.createdAt) };
}

export function toGoalExport(goal: LearningGoal): ExportGoalDto {
  return toGoalResponse(goal);
}
