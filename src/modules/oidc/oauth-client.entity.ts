import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** An OAuth client (relying party or service) registered through the admin routes. */
@Entity({ name: 'oauth_clients' })
export class OAuthClient {
  @PrimaryColumn({ name: 'client_id', type: 'varchar', length: 64, primaryKeyConstraintName: 'pk_oauth_clients' })
  clientId!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  /** SHA-256 (hex) of the generated secret; null for a public client. The secret itself is shown once. */
  @Column({ name: 'secret_hash', type: 'varchar', length: 64, nullable: true, select: false })
  secretHash!: string | null;

  @Column({ name: 'redirect_uris', type: 'text', array: true, default: () => "'{}'" })
  redirectUris!: string[];

  @Column({ name: 'post_logout_redirect_uris', type: 'text', array: true, default: () => "'{}'" })
  postLogoutRedirectUris!: string[];

  @Column({ name: 'grant_types', type: 'text', array: true })
  grantTypes!: string[];

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  scopes!: string[];

  /** The resource (audience) its client_credentials tokens are for; null: none. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  audience!: string | null;

  @Column({ name: 'first_party', type: 'boolean', default: false })
  firstParty!: boolean;

  /** client_secret_basic or client_secret_post; `none` for a public client (browser, native): no secret, PKCE only. */
  @Column({ name: 'token_endpoint_auth_method', type: 'varchar', length: 32 })
  tokenEndpointAuthMethod!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
