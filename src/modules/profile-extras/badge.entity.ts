import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '#src/modules/users/user.entity.js';

/** A badge a user earned (contract §1). Deleted when the user is erased. */
@Entity({ name: 'badges' })
@Index('ix_badges_user_achieved', ['userId', 'dateAchieved'])
export class Badge {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_badges_user' })
  user?: User;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  description!: string | null;

  @Column({ name: 'icon_url', type: 'varchar', length: 2048, nullable: true })
  iconUrl!: string | null;

  @Column({ name: 'date_achieved', type: 'timestamptz', default: () => 'now()' })
  dateAchieved!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
