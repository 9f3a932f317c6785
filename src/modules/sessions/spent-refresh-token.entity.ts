import { Column, JoinColumn, ManyToOne, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import { Session } from './session.entity.js';

/** A rotated-away refresh token: presenting it again is reuse and ends its session. */
@Entity({ name: 'spent_refresh_tokens' })
@Index('ix_spent_refresh_tokens_session', ['sessionId'])
export class SpentRefreshToken {
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ name: 'session_id', type: 'uuid' })
  sessionId!: string;

  @ManyToOne(() => Session, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'session_id', foreignKeyConstraintName: 'fk_spent_refresh_tokens_session' })
  session?: Session;

  @CreateDateColumn({ name: 'spent_at', type: 'timestamptz' })
  spentAt!: Date;
}
