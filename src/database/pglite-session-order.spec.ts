import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { EmbeddedDatabase } from './embedded-database.js';

describe('embedded database shared by several connections', () => {
  const dir = mkdtempSync(join(tmpdir(), 'user-service-pglite-'));
  let db: EmbeddedDatabase;
  let pool: pg.Pool;
  before(async () => {
    db = await EmbeddedDatabase.start(dir, 8);
    pool = new pg.Pool({ connectionString: db.url, max: 6 });
  });
  after(async () => {
    await pool.end();
    await db.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives every concurrent query its own answer, in and out of transactions', async () => {
    const wrong: string[] = [];
    const caller = async (i: number): Promise<void> => {
      for (let k = 0; k < 25; k++) {
        const n = i * 1000 + k;
        if (k % 5 === 0) {
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            const r = await client.query<{ n: number }>('SELECT $1::int AS n', [n]);
            if (r.rows[0]?.n !== n) wrong.push(`tx ${n}: ${JSON.stringify(r.rows)}`);
            await client.query('COMMIT');
          } finally {
            client.release();
          }
        } else {
          const r = await pool.query<{ n: number; s: string }>('SELECT $1::int AS n, $2::text AS s', [n, `c${i}`]);
          if (r.rows[0]?.n !== n || r.rows[0]?.s !== `c${i}`) wrong.push(`${n}: ${JSON.stringify(r.rows)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 12 }, (_, i) => caller(i)));
    assert.deepEqual(wrong, []);
  });

  it('keeps serving the others after one connection sends a failing statement', async () => {
    const failing = Array.from({ length: 6 }, () =>
      pool.query('SELECT $1::int / 0 AS n', [1]).then(
        () => 'answered',
        (error: Error) => error.message,
      ),
    );
    const good = Array.from({ length: 6 }, (_, i) => pool.query<{ n: number }>('SELECT $1::int AS n', [i]));
    assert.deepEqual(await Promise.all(failing), Array(6).fill('division by zero'));
    assert.deepEqual(
      (await Promise.all(good)).map((r) => r.rows[0]?.n),
      [0, 1, 2, 3, 4, 5],
    );
  });
});
