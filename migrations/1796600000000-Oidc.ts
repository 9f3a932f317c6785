import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Oidc1796600000000 implements MigrationInterface {
  name = 'Oidc1796600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "oauth_clients" ("client_id" character varying(64) NOT NULL, "name" character varying(100) NOT NULL, "secret_hash" character varying(64), "redirect_uris" text array NOT NULL DEFAULT \'{}\', "post_logout_redirect_uris" text array NOT NULL DEFAULT \'{}\', "grant_types" text array NOT NULL, "scopes" text array NOT NULL DEFAULT \'{}\', "audience" character varying(255), "first_party" boolean NOT NULL DEFAULT false, "token_endpoint_auth_method" character varying(32) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_oauth_clients" PRIMARY KEY ("client_id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "oidc_payloads" ("type" character varying(32) NOT NULL, "id" character varying(255) NOT NULL, "payload" jsonb NOT NULL, "grant_id" character varying(255), "user_code" character varying(255), "uid" character varying(255), "session_id" uuid, "expires_at" TIMESTAMP WITH TIME ZONE, "consumed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "pk_oidc_payloads" PRIMARY KEY ("type", "id"))',
    );
    await queryRunner.query('CREATE INDEX "ix_oidc_payloads_expires" ON "oidc_payloads"  ("expires_at") ');
    await queryRunner.query('CREATE INDEX "ix_oidc_payloads_uid" ON "oidc_payloads"  ("uid") ');
    await queryRunner.query('CREATE INDEX "ix_oidc_payloads_grant" ON "oidc_payloads"  ("grant_id") ');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."ix_oidc_payloads_grant"');
    await queryRunner.query('DROP INDEX "public"."ix_oidc_payloads_uid"');
    await queryRunner.query('DROP INDEX "public"."ix_oidc_payloads_expires"');
    await queryRunner.query('DROP TABLE "oidc_payloads"');
    await queryRunner.query('DROP TABLE "oauth_clients"');
  }
}
