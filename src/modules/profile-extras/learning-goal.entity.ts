import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { User } from '#src/modules/users/user.entity.js';

export const GOAL_STATUSES = ['in-progress', 'completed'] as const;
export type GoalStatus = (typeof GOAL_STATUSES)[number];

/** A learning goal of a user (contract §1). Deleted when the user is erased. */
@Entity({ name: 'learning_goals' })
@Check('ck_learning_goals_status', `"status" IN ('in-progress', 'completed')`)
@Check('ck_learning_goals_streak', `"streak_count" >= 0`)
@Index('ix_learning_goals_user_created', ['userId', 'createdAt'])
export class LearningGoal {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_learning_goals_user' })
  user?: User;

  @Column({ type: 'varchar', length: 200 })
  title!: string;

  @Column({ type: 'varchar', length: 2000, nullable: true })
  description!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'in-progress' })
  status!: GoalStatus;

  @Column({ name: 'streak_count', type: 'integer', default: 0 })
  streakCount!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
