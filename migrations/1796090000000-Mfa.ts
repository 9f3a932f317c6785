import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Mfa1796090000000 implements MigrationInterface {
  name = 'Mfa1796090000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "mfa_recovery_codes" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "code_hash" character varying(64) NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_0076416b1b84361afc3371ba121" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_mfa_recovery_codes_hash" ON "mfa_recovery_codes"  ("code_hash") ');
    await queryRunner.query('CREATE INDEX "ix_mfa_recovery_codes_user" ON "mfa_recovery_codes"  ("user_id") ');
    await queryRunner.query(
      'CREATE TABLE "mfa_totp_secrets" ("user_id" uuid NOT NULL, "secret_ciphertext" text NOT NULL, "confirmed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_c007868da056402326d77395e38" PRIMARY KEY ("user_id"))',
    );
    await queryRunner.query('ALTER TABLE "users" ADD "mfa_enabled" boolean NOT NULL DEFAULT false');
    await queryRunner.query(
      'ALTER TABLE "mfa_recovery_codes" ADD CONSTRAINT "fk_mfa_recovery_codes_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "mfa_totp_secrets" ADD CONSTRAINT "fk_mfa_totp_secrets_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "mfa_totp_secrets" DROP CONSTRAINT "fk_mfa_totp_secrets_user"');
    await queryRunner.query('ALTER TABLE "mfa_recovery_codes" DROP CONSTRAINT "fk_mfa_recovery_codes_user"');
    await queryRunner.query('ALTER TABLE "users" DROP COLUMN "mfa_enabled"');
    await queryRunner.query('DROP TABLE "mfa_totp_secrets"');
    await queryRunner.query('DROP INDEX "public"."ix_mfa_recovery_codes_user"');
    await queryRunner.query('DROP INDEX "public"."uq_mfa_recovery_codes_hash"');
    await queryRunner.query('DROP TABLE "mfa_recovery_codes"');
  }
}
