import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ProfileExtras1795306449961 implements MigrationInterface {
  name = 'ProfileExtras1795306449961';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "badges" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "name" character varying(100) NOT NULL, "description" character varying(500), "icon_url" character varying(2048), "date_achieved" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_8a651318b8de577e8e217676466" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "ix_badges_user_achieved" ON "badges"  ("user_id", "date_achieved") ');
    await queryRunner.query(
      'CREATE TABLE "learning_goals" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "title" character varying(200) NOT NULL, "description" character varying(2000), "status" character varying(16) NOT NULL DEFAULT \'in-progress\', "streak_count" integer NOT NULL DEFAULT \'0\', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_learning_goals_streak" CHECK ("streak_count" >= 0), CONSTRAINT "ck_learning_goals_status" CHECK ("status" IN (\'in-progress\', \'completed\')), CONSTRAINT "PK_121bd4bc8ea1927ce632831bca5" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "ix_learning_goals_user_created" ON "learning_goals"  ("user_id", "created_at") ',
    );
    await queryRunner.query(
      'ALTER TABLE "badges" ADD CONSTRAINT "fk_badges_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "learning_goals" ADD CONSTRAINT "fk_learning_goals_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "learning_goals" DROP CONSTRAINT "fk_learning_goals_user"');
    await queryRunner.query('ALTER TABLE "badges" DROP CONSTRAINT "fk_badges_user"');
    await queryRunner.query('DROP INDEX "public"."ix_learning_goals_user_created"');
    await queryRunner.query('DROP TABLE "learning_goals"');
    await queryRunner.query('DROP INDEX "public"."ix_badges_user_achieved"');
    await queryRunner.query('DROP TABLE "badges"');
  }
}
