import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource } from '#src/database/data-source.js';

function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (url === undefined) throw new Error('TEST_DATABASE_URL is not set: run the tests with `npm test`');
  return url;
}

/**
 * A fresh database cloned from the migrated template (or, with `empty`, with no table at
 * all: a restore target); its name always contains "test".
 */
export async function createTestDatabase(
  options: { empty?: boolean } = {},
): Promise<{ url: string; drop: () => Promise<void> }> {
  const template =
    options.empty === true ? 'template0' : (process.env.TEST_TEMPLATE_DB ?? 'user_service_test_template');
  const name = `user_service_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  await admin.end();
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A fresh database (createTestDatabase) with the service's DataSource open on it; close() ends both. */
export interface TestDataSource {
  url: string;
  ds: DataSource;
  close: () => Promise<void>;
}

export async function openTestDataSource(): Promise<TestDataSource> {
  const db = await createTestDatabase();
  const ds = createDataSource({ url: db.url, poolSize: 2, statementTimeoutMs: 30000, embedded: false });
  await ds.initialize();
  return {
    url: db.url,
    ds,
    close: async () => {
      await ds.destroy();
      await db.drop();
    },
  };
}

/** Refuses any database whose name lacks "test" (STYLE §9). */
export function assertTestDatabase(url: string): void {
  const name = new URL(url).pathname.slice(1);
  if (!name.includes('test')) throw new Error(`refusing to run against database "${name}"`);
}

export async function sql<T = Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  assertTestDatabase(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}
