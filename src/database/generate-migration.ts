import { writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataSource, migrate } from './data-source.js';
import { EmbeddedDatabase } from './embedded-database.js';
import { schemaDiff } from './schema-drift.js';

/**
 * Dev tool: `node dist/src/database/generate-migration.js <Name>` applies the existing
 * migrations to a throwaway embedded database and writes the entity diff as a new
 * migration under migrations/ for review. Never edit a committed migration.
 */
async function main(): Promise<void> {
  const name = process.argv[2];
  if (name === undefined || !/^[A-Z][A-Za-z0-9]+$/.test(name))
    throw new Error('usage: generate-migration <PascalCaseName>');
  const dir = mkdtempSync(join(tmpdir(), 'us-migrate-'));
  const db = await EmbeddedDatabase.start(dir, 2);
  const ds = createDataSource({ url: db.url, poolSize: 2, statementTimeoutMs: 0, embedded: true });
  try {
    await ds.initialize();
    await migrate(ds);
    const diff = await schemaDiff(ds);
    if (diff.up.length === 0) {
      process.stdout.write('Entities and migrations agree; nothing to generate.\n');
      return;
    }
    const timestamp = Date.now();
    const className = `${name}${timestamp}`;
    const q = (s: string): string => `    await queryRunner.query(${JSON.stringify(s)});`;
    const body = `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  async up(queryRunner: QueryRunner): Promise<void> {
${diff.up.map(q).join('\n')}
  }

  async down(queryRunner: QueryRunner): Promise<void> {
${diff.down.map(q).join('\n')}
  }
}
`;
    const file = join('migrations', `${timestamp}-${name}.ts`);
    writeFileSync(file, body);
    process.stdout.write(`Wrote ${file}; add ${className} to migrations/index.ts\n`);
  } finally {
    await ds.destroy().catch(() => undefined);
    await db.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
