import { Column, CreateDateColumn, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { User } from '#src/modules/users/user.entity.js';

/** A user's TOTP secret, encrypted (TotpSecretCipher); pending until confirmed with a code. */
@Entity({ name: 'mfa_totp_secrets' })
export class MfaTotpSecret {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @OneToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_mfa_totp_secrets_user' })
  user?: User;

  @Column({ name: 'secret_ciphertext', type: 'text', select: false })
  secretCiphertext!: string;

  /** Null while the setup waits for its first code; a new setup replaces a pending one. */
  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true })
  confirmedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
