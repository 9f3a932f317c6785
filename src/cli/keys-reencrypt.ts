import 'reflect-metadata';
import { loadConfig } from '#src/config/app-config.js';
import { resolveDataKeys } from '#src/crypto/data-keys.js';
import { FieldCipher } from '#src/crypto/field-cipher.js';
import { PreparedStatements } from '#src/database/prepared-statements.js';
import { createDataSource } from '#src/database/data-source.js';
import { EmbeddedDatabase } from '#src/database/embedded-database.js';
import { SealedUserFields } from '#src/modules/users/sealed-user-fields.js';
import { UsersRepository } from '#src/modules/users/users.repository.js';

const BATCH = 500;

/**
 * `npm run keys:reencrypt`: seals every encrypted field not yet under the active key
 * (DATA_ENCRYPTION_KEYS' first) again, in batches of 500 by user id. Safe while the service
 * runs (a row written meanwhile is left to its writer) and resumable: a second run rewrites
 * only what is left, and `--after <uuid>` starts past a given id. docs/operations.md,
 * "Rotating the data-encryption key".
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const afterArg = process.argv.indexOf('--after');
  let after: string | null = afterArg > 0 ? (process.argv[afterArg + 1] ?? null) : null;
  const cipher = new FieldCipher(resolveDataKeys(config));
  const embedded = config.database.url === undefined ? await EmbeddedDatabase.start(config.dataDir, 2) : undefined;
  const dataSource = createDataSource({
    url: config.database.url ?? (embedded as EmbeddedDatabase).url,
    poolSize: 2,
    statementTimeoutMs: config.database.statementTimeoutMs,
    embedded: embedded !== undefined,
  });
  await dataSource.initialize();
  const users = new UsersRepository(
    dataSource,
    new SealedUserFields(cipher),
    new PreparedStatements(dataSource, embedded === undefined),
  );
  let total = 0;
  try {
    for (;;) {
      const { lastId, resealed } = await users.resealBatch(after, BATCH);
      total += resealed;
      if (lastId === null) break;
      after = lastId;
      process.stdout.write(`resealed ${total} so far; next batch after ${lastId}\n`);
    }
    process.stdout.write(`done: ${total} user rows sealed under key ${cipher.activeKeyId}\n`);
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
