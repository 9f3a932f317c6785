import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PreparedStatements } from '#src/database/prepared-statements.js';
import { User } from '#src/modules/users/user.entity.js';
import { UserRows } from '#src/modules/users/user-rows.js';
import { openTestDataSource, sql, type TestDataSource } from '../utils/database.js';

/**
 * The login lookup reads users rows with plain SQL (UserRows, PreparedStatements): the entity
 * it builds must be the one TypeORM's query builder hydrates from the same row, every column
 * included, whether the statement runs named (PostgreSQL) or unnamed (the embedded database).
 */
describe('users rows read with plain SQL', () => {
  let db: TestDataSource;
  before(async () => {
    db = await openTestDataSource();
  });
  after(() => db.close());

  it('builds the entity TypeORM hydrates, for a full row and a sparse one, named and unnamed', async () => {
    const [full] = await sql<{ id: string }>(
      db.url,
      `INSERT INTO users (email, username, name, phone, password_hash, role, is_active, is_verified, mfa_enabled,
                          business_type, business_number, industry, region, last_login_at, deleted_at)
       VALUES ('rows-full@example.com', 'Rows_Full', 'Ünïcødé 名前', 'sealed-phone', '$argon2id$hash', 'moderator',
               false, true, true, 'b-type', 'sealed-number', 'ind', 'reg', now() - interval '1 day', NULL)
       RETURNING id`,
    );
    const [sparse] = await sql<{ id: string }>(
      db.url,
      `INSERT INTO users (email, name, password_hash) VALUES ('rows-sparse@example.com', 'S', 'h') RETURNING id`,
    );
    const rows = new UserRows(db.ds);
    for (const named of [true, false]) {
      const statements = new PreparedStatements(db.ds, named);
      for (const id of [full?.id, sparse?.id]) {
        const expected = await db.ds
          .createQueryBuilder(User, 'u')
          .addSelect('u.passwordHash')
          .where('u.id = :id', { id })
          .getOneOrFail();
        // Twice: the second call runs the statement already prepared on the connection.
        for (let i = 0; i < 2; i++) {
          const [row] = await statements.rows<Record<string, unknown>>(
            { name: 'user_rows_probe', text: `SELECT ${rows.selectList} FROM users WHERE id = $1` },
            [id],
          );
          assert.ok(row !== undefined);
          const read = rows.toEntity(row);
          assert.ok(read instanceof User);
          assert.deepEqual(read, expected);
        }
      }
    }
  });

  it('passes PostgreSQL errors through as pg raises them', async () => {
    const statements = new PreparedStatements(db.ds, true);
    await assert.rejects(statements.rows({ name: 'bad_probe', text: 'SELECT nope FROM users' }, []), {
      code: '42703',
    });
  });
});
