import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * What oidc-provider stores (grants, authorization codes, tokens, sessions, interactions):
 * one table for every model, its payload as oidc-provider gives it. `session_id` binds a
 * grant to one of OUR sessions: when that session ends, the grant reads as gone.
 */
@Entity({ name: 'oidc_payloads' })
@Index('ix_oidc_payloads_grant', ['grantId'])
@Index('ix_oidc_payloads_uid', ['uid'])
@Index('ix_oidc_payloads_expires', ['expiresAt'])
export class OidcPayload {
  @PrimaryColumn({ type: 'varchar', length: 32, primaryKeyConstraintName: 'pk_oidc_payloads' })
  type!: string;

  @PrimaryColumn({ type: 'varchar', length: 255, primaryKeyConstraintName: 'pk_oidc_payloads' })
  id!: string;

  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ name: 'grant_id', type: 'varchar', length: 255, nullable: true })
  grantId!: string | null;

  @Column({ name: 'user_code', type: 'varchar', length: 255, nullable: true })
  userCode!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  uid!: string | null;

  @Column({ name: 'session_id', type: 'uuid', nullable: true })
  sessionId!: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt!: Date | null;
}
