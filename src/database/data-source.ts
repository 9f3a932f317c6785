import { DataSource, type DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '#migrations/index.js';
import { ENTITIES } from './entities.js';

export interface DataSourceSettings {
  url: string;
  poolSize: number;
  statementTimeoutMs: number;
  /** The embedded database takes one statement at a time: no server-side timeout there. */
  embedded: boolean;
}

/** Arbitrary but fixed: serialises migration runs of pods starting together. */
const MIGRATION_LOCK_ID = 7_301_226_001;

export function dataSourceOptions(settings: DataSourceSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    // gen_random_uuid() is core PostgreSQL since 13: no extension to install.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    migrationsRun: false,
    // Query errors reach the exception filter (and its logger) already; TypeORM's console logger stays off.
    logging: false,
    poolSize: settings.poolSize,
    extra: {
      // Fail fast when PostgreSQL is down instead of queueing forever (contract §1: 503, no hang).
      connectionTimeoutMillis: 3000,
      idleTimeoutMillis: 30000,
      ...(settings.embedded
        ? {}
        : { statement_timeout: settings.statementTimeoutMs, query_timeout: settings.statementTimeoutMs + 1000 }),
    },
  };
}

export function createDataSource(settings: DataSourceSettings): DataSource {
  return new DataSource(dataSourceOptions(settings));
}

/** Runs pending migrations under an advisory lock so concurrent starts cannot race. */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await runner.release();
  }
}
