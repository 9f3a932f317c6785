import type { ExportBadgeDto, ExportGoalDto } from '#src/modules/users/dto/user-export.dto.js';
import type { Badge } from './badge.entity.js';
import type { GoalStatus, LearningGoal } from './learning-goal.entity.js';

export interface BadgeResponse {
  id: string;
  name: string;
  description: string | null;
  icon_url: string | null;
  date_achieved: string;
}

export interface GoalResponse {
  id: string;
  title: string;
  description: string | null;
  status: GoalStatus;
  streak_count: number;
  created_at: string;
  updated_at: string;
}

const iso = (d: Date | string): string => new Date(d).toISOString();

/** Whitelisting mappers: the fields of contract §1, never the owner or a new column by accident. */
export function toBadgeResponse(badge: Badge): BadgeResponse {
  return {
    id: badge.id,
    name: badge.name,
    description: badge.description,
    icon_url: badge.iconUrl,
    date_achieved: iso(badge.dateAchieved),
  };
}

export function toGoalResponse(goal: LearningGoal): GoalResponse {
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
