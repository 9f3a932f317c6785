import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '#src/modules/users/user.entity.js';

/**
 * Hashes of a user's earlier passwords, kept only so a change or reset can refuse them
 * (PASSWORD_HISTORY_COUNT). Never exported, never in an event; erasure deletes them.
 */
@Entity({ name: 'password_history' })
@Index('ix_password_history_user', ['userId', 'createdAt'])
export class PasswordHistoryEntry {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_password_history_user' })
  user?: User;

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
