import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import { createDataSource, migrate } from '#src/database/data-source.js';
import { schemaDiff } from '#src/database/schema-drift.js';
import { MIGRATIONS } from '#migrations/index.js';
import { createTestDatabase, sql } from '../utils/database.js';

describe('migrations', () => {
  let db: { url: string; drop: () => Promise<void> };
  let ds: DataSource;
  before(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url, poolSize: 2, statementTimeoutMs: 30000, embedded: false });
    await ds.initialize();
  });
  after(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('leave no drift between the entities and the schema', async () => {
    const diff = await schemaDiff(ds);
    assert.deepEqual(diff.up, [], `entities differ from migrations; generate a migration:\n${diff.up.join('\n')}`);
  });

  it('are all applied, and a second run applies nothing', async () => {
    const applied = await sql<{ name: string }>(db.url, 'SELECT name FROM migrations ORDER BY id');
    assert.equal(applied.length, MIGRATIONS.length);
    assert.deepEqual(await migrate(ds), []);
  });

  it('revert cleanly and apply again', async () => {
    for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
    const tables = await sql<{ table_name: string }>(
      db.url,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'`,
    );
    assert.deepEqual(tables, []);
    assert.equal((await migrate(ds)).length, MIGRATIONS.length);
    assert.deepEqual((await schemaDiff(ds)).up, []);
  });

  it('enforce case-insensitive usernames and the role check in the database itself', async () => {
    await sql(db.url, `INSERT INTO users (email, name, password_hash, username) VALUES ('a@x.io', 'A', 'h', 'Alice')`);
    await assert.rejects(
      sql(db.url, `INSERT INTO users (email, name, password_hash, username) VALUES ('b@x.io', 'B', 'h', 'ALICE')`),
      /uq_users_username_lower/,
    );
    await assert.rejects(
      sql(db.url, `INSERT INTO users (email, name, password_hash, role) VALUES ('c@x.io', 'C', 'h', 'root')`),
      /ck_users_role/,
    );
  });
});

describe('the canonical-email migration', () => {
  let db: { url: string; drop: () => Promise<void> };
  let ds: DataSource;
  before(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url, poolSize: 2, statementTimeoutMs: 30000, embedded: false });
    await ds.initialize();
  });
  after(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('rewrites stored emails into NFKC, leaving a clash for an operator', async () => {
    // Back to just before it (later migrations first), rows in, then forward again.
    const position = MIGRATIONS.findIndex((m) => m.name === 'CanonicalEmails1795400000000');
    assert.ok(position >= 0);
    for (let i = MIGRATIONS.length; i > position; i--) await ds.undoLastMigration({ transaction: 'each' });
    const insert = `INSERT INTO users (email, name, password_hash) VALUES ($1, 'N', 'h')`;
    await sql(db.url, insert, ['jose\u0301@x.io']); // decomposed: becomes josé
    await sql(db.url, insert, ['\uff41\uff44\uff41@x.io']); // fullwidth "ada": becomes ada, which exists
    await sql(db.url, insert, ['ada@x.io']);
    await sql(db.url, insert, ['plain@x.io']);
    await migrate(ds);
    const emails = (await sql<{ email: string }>(db.url, 'SELECT email FROM users ORDER BY email')).map((r) => r.email);
    assert.deepEqual(emails.sort(), ['ada@x.io', 'jos\u00e9@x.io', 'plain@x.io', '\uff41\uff44\uff41@x.io'].sort());
  });
});
