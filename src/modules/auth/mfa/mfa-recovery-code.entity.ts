import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '#src/modules/users/user.entity.js';

/** One recovery code, stored as a hash (recovery-codes.policy.ts); each works once. */
@Entity({ name: 'mfa_recovery_codes' })
@Index('ix_mfa_recovery_codes_user', ['userId'])
export class MfaRecoveryCode {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_mfa_recovery_codes_user' })
  user?: User;

  @Index('uq_mfa_recovery_codes_hash', { unique: true })
  @Column({ name: 'code_hash', type: 'varchar', length: 64, select: false })
  codeHash!: string;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
