import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795305058052 implements MigrationInterface {
  name = 'Initial1795305058052';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "audit_log" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "actor_id" uuid, "action" character varying(64) NOT NULL, "target_user_id" uuid, "details" jsonb NOT NULL DEFAULT \'{}\', "ip" character varying(45), "request_id" character varying(128), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_07fefa57f7f5ab8fc3f52b3ed0b" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "ix_audit_log_action_created" ON "audit_log"  ("action", "created_at") ');
    await queryRunner.query(
      'CREATE INDEX "ix_audit_log_target_created" ON "audit_log"  ("target_user_id", "created_at") ',
    );
    await queryRunner.query(
      'CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "email" character varying(320) NOT NULL, "username" character varying(32), "name" character varying(100) NOT NULL, "phone" character varying(32), "password_hash" text NOT NULL, "role" character varying(16) NOT NULL DEFAULT \'user\', "is_active" boolean NOT NULL DEFAULT true, "is_verified" boolean NOT NULL DEFAULT false, "business_type" character varying(100), "business_number" character varying(50), "industry" character varying(100), "region" character varying(100), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_login_at" TIMESTAMP WITH TIME ZONE, "deleted_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "ck_users_role" CHECK ("role" IN (\'user\', \'moderator\', \'admin\')), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))',
    );
    // Usernames are unique case-insensitively; an expression index the entity cannot describe.
    await queryRunner.query('CREATE UNIQUE INDEX "uq_users_username_lower" ON "users" (lower("username"))');
    await queryRunner.query('CREATE UNIQUE INDEX "uq_users_email" ON "users"  ("email") ');
    await queryRunner.query(
      'CREATE TABLE "one_time_tokens" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "purpose" character varying(32) NOT NULL, "token_hash" character varying(64) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_8e470cc9ffc1b2afa054304db17" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_one_time_tokens_hash" ON "one_time_tokens"  ("token_hash") ');
    await queryRunner.query(
      'CREATE INDEX "ix_one_time_tokens_user_purpose" ON "one_time_tokens"  ("user_id", "purpose") ',
    );
    await queryRunner.query(
      'CREATE TABLE "outbox_events" ("id" BIGSERIAL NOT NULL, "event_id" uuid NOT NULL, "event_type" character varying(64) NOT NULL, "aggregate_id" uuid NOT NULL, "payload" jsonb NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "published_at" TIMESTAMP WITH TIME ZONE, "attempts" integer NOT NULL DEFAULT \'0\', "last_error" text, CONSTRAINT "PK_6689a16c00d09b8089f6237f1d2" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_outbox_event_id" ON "outbox_events"  ("event_id") ');
    await queryRunner.query(
      'CREATE INDEX "ix_outbox_published_at" ON "outbox_events"  ("published_at") WHERE published_at IS NOT NULL',
    );
    await queryRunner.query('CREATE INDEX "ix_outbox_pending" ON "outbox_events"  ("id") WHERE published_at IS NULL');
    await queryRunner.query(
      'CREATE TABLE "sessions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "refresh_token_hash" character varying(64) NOT NULL, "ip_address" character varying(45), "user_agent" character varying(512), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, "revoked_reason" character varying(32), CONSTRAINT "PK_3238ef96f18b355b671619111bc" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE UNIQUE INDEX "uq_sessions_refresh_hash" ON "sessions"  ("refresh_token_hash") ');
    await queryRunner.query(
      'CREATE INDEX "ix_sessions_user_active" ON "sessions"  ("user_id", "created_at") WHERE revoked_at IS NULL',
    );
    await queryRunner.query(
      'CREATE TABLE "spent_refresh_tokens" ("token_hash" character varying(64) NOT NULL, "session_id" uuid NOT NULL, "spent_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_b432dbc7e329e80b1308d3b70e4" PRIMARY KEY ("token_hash"))',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_spent_refresh_tokens_session" ON "spent_refresh_tokens"  ("session_id") ',
    );
    await queryRunner.query(
      'CREATE TABLE "login_history" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid, "ip" character varying(45), "user_agent" character varying(512), "success" boolean NOT NULL, "reason" character varying(64), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_fe377f36d49c39547cb6b9f0727" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_login_history_user_created" ON "login_history"  ("user_id", "created_at") ',
    );
    await queryRunner.query(
      'ALTER TABLE "one_time_tokens" ADD CONSTRAINT "fk_one_time_tokens_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "sessions" ADD CONSTRAINT "fk_sessions_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "spent_refresh_tokens" ADD CONSTRAINT "fk_spent_refresh_tokens_session" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "login_history" ADD CONSTRAINT "fk_login_history_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "login_history" DROP CONSTRAINT "fk_login_history_user"');
    await queryRunner.query('ALTER TABLE "spent_refresh_tokens" DROP CONSTRAINT "fk_spent_refresh_tokens_session"');
    await queryRunner.query('ALTER TABLE "sessions" DROP CONSTRAINT "fk_sessions_user"');
    await queryRunner.query('ALTER TABLE "one_time_tokens" DROP CONSTRAINT "fk_one_time_tokens_user"');
    await queryRunner.query('DROP INDEX "public"."ix_login_history_user_created"');
    await queryRunner.query('DROP TABLE "login_history"');
    await queryRunner.query('DROP INDEX "public"."ix_spent_refresh_tokens_session"');
    await queryRunner.query('DROP TABLE "spent_refresh_tokens"');
    await queryRunner.query('DROP INDEX "public"."ix_sessions_user_active"');
    await queryRunner.query('DROP INDEX "public"."uq_sessions_refresh_hash"');
    await queryRunner.query('DROP TABLE "sessions"');
    await queryRunner.query('DROP INDEX "public"."ix_outbox_pending"');
    await queryRunner.query('DROP INDEX "public"."ix_outbox_published_at"');
    await queryRunner.query('DROP INDEX "public"."uq_outbox_event_id"');
    await queryRunner.query('DROP TABLE "outbox_events"');
    await queryRunner.query('DROP INDEX "public"."ix_one_time_tokens_user_purpose"');
    await queryRunner.query('DROP INDEX "public"."uq_one_time_tokens_hash"');
    await queryRunner.query('DROP TABLE "one_time_tokens"');
    await queryRunner.query('DROP INDEX "public"."uq_users_username_lower"');
    await queryRunner.query('DROP INDEX "public"."uq_users_email"');
    await queryRunner.query('DROP TABLE "users"');
    await queryRunner.query('DROP INDEX "public"."ix_audit_log_target_created"');
    await queryRunner.query('DROP INDEX "public"."ix_audit_log_action_created"');
    await queryRunner.query('DROP TABLE "audit_log"');
  }
}
