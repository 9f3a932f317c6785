import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ErasureAndTokenBinding1796065353262 implements MigrationInterface {
  name = 'ErasureAndTokenBinding1796065353262';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "one_time_tokens" ADD "email" character varying(320)');
    await queryRunner.query('CREATE INDEX "ix_outbox_aggregate" ON "outbox_events"  ("aggregate_id") ');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."ix_outbox_aggregate"');
    await queryRunner.query('ALTER TABLE "one_time_tokens" DROP COLUMN "email"');
  }
}
