import type pg from 'pg';
import type { DataSource } from 'typeorm';

/** A statement of a hot path: its SQL, and the name it is prepared under on each connection. */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

/**
 * The hot paths' statements (login lookup, the sign-in write, refresh rotation) run on
 * TypeORM's own pg pool as named prepared statements: PostgreSQL parses and plans each once
 * per connection instead of on every call, and the call skips TypeORM's query runner (its
 * runner object, broadcaster and parameter handling per query). Same pool, same timeouts,
 * same errors (raw pg errors, which the error mapper reads as it reads TypeORM's wrapped ones).
 * docs/performance.md ("Login in one statement").
 *
 * The embedded database is one PostgreSQL session behind every pool connection, so a name
 * prepared by one connection would collide on the next: there they run unnamed.
 */
export class PreparedStatements {
  constructor(
    private readonly dataSource: DataSource,
    private readonly named: boolean,
  ) {}

  async rows<Row extends object>(statement: Statement, values: unknown[]): Promise<Row[]> {
    const pool = (this.dataSource.driver as unknown as { master: pg.Pool }).master;
    const config: pg.QueryConfig = this.named
      ? { name: statement.name, text: statement.text, values }
      : { text: statement.text, values };
    const result = await pool.query<Row>(config);
    return result.rows;
  }
}
