import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrate } from '#src/database/data-source.js';
import { schemaDiff } from '#src/database/schema-drift.js';
import { MIGRATIONS } from '#migrations/index.js';
import { openTestDataSource, sql, type TestDataSource } from '../utils/database.js';

describe('migrations', () => {
  let db: TestDataSource;
  before(async () => {
    db = await openTestDataSource();
  });
  after(() => db.close());

  it('leave no drift between the entities and the schema', async () => {
    const diff = await schemaDiff(db.ds);
    assert.deepEqual(diff.up, [], `entities differ from migrations; generate a migration:\n${diff.up.join('\n')}`);
  });

  it('are all applied, and a second run applies nothing', async () => {
    const applied = await sql<{ name: string }>(db.url, 'SELECT name FROM migrations ORDER BY id');
    assert.equal(applied.length, MIGRATIONS.length);
    assert.deepEqual(await migrate(db.ds), []);
  });

  it('revert cleanly and apply again', async () => {
    for (let i = 0; i < MIGRATIONS.length; i++) await db.ds.undoLastMigration({ transaction: 'each' });
    const tables = await sql<{ table_name: string }>(
      db.url,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'`,
    );
    assert.deepEqual(tables, []);
    assert.equal((await migrate(db.ds)).length, MIGRATIONS.length);
    assert.deepEqual((await schemaDiff(db.ds)).up, []);
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
  let db: TestDataSource;
  before(async () => {
    db = await openTestDataSource();
  });
  after(() => db.close());

  it('rewrites stored emails into NFKC, leaving a clash for an operator', async () => {
    // Back to just before it (later migrations first), rows in, then forward again.
    const position = MIGRATIONS.findIndex((m) => m.name === 'CanonicalEmails1795400000000');
    assert.ok(position >= 0);
    for (let i = MIGRATIONS.length; i > position; i--) await db.ds.undoLastMigration({ transaction: 'each' });
    const insert = `INSERT INTO users (email, name, password_hash) VALUES ($1, 'N', 'h')`;
    await sql(db.url, insert, ['jose\u0301@x.io']); // decomposed: becomes josé
    await sql(db.url, insert, ['\uff41\uff44\uff41@x.io']); // fullwidth "ada": becomes ada, which exists
    await sql(db.url, insert, ['ada@x.io']);
    await sql(db.url, insert, ['plain@x.io']);
    await migrate(db.ds);
    const emails = (await sql<{ email: string }>(db.url, 'SELECT email FROM users ORDER BY email')).map((r) => r.email);
    assert.deepEqual(emails.sort(), ['ada@x.io', 'jos\u00e9@x.io', 'plain@x.io', '\uff41\uff44\uff41@x.io'].sort());
  });
});
