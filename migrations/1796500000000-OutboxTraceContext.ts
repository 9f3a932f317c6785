import type { MigrationInterface, QueryRunner } from 'typeorm';

export class OutboxTraceContext1796500000000 implements MigrationInterface {
  name = 'OutboxTraceContext1796500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "outbox_events" ADD "trace_context" jsonb');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "outbox_events" DROP COLUMN "trace_context"');
  }
}
