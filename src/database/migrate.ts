import { loadConfig } from '#src/config/app-config.js';
import { createDataSource, migrate } from './data-source.js';
import { EmbeddedDatabase } from './embedded-database.js';

/** `npm run migration:run`: applies pending migrations to DATABASE_URL (or the embedded database). */
async function main(): Promise<void> {
  const config = loadConfig();
  const embedded = config.database.url === undefined ? await EmbeddedDatabase.start(config.dataDir, 2) : undefined;
  const dataSource = createDataSource({
    url: config.database.url ?? (embedded as EmbeddedDatabase).url,
    poolSize: 2,
    statementTimeoutMs: 0,
    embedded: embedded !== undefined,
  });
  await dataSource.initialize();
  try {
    const applied = await migrate(dataSource);
    process.stdout.write(applied.length === 0 ? 'No pending migrations.\n' : `Applied: ${applied.join(', ')}\n`);
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
