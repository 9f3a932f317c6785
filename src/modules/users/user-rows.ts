import type { DataSource } from 'typeorm';
import { User } from './user.entity.js';

/** Column types whose pg value is the entity's value as TypeORM would hydrate it. */
const PLAIN_TYPES = new Set(['uuid', 'varchar', 'character varying', 'text', 'boolean', 'timestamptz']);

/**
 * `users` rows selected with plain SQL, read into User entities. The columns come from the
 * entity's TypeORM metadata, so the select list and the mapping cannot drift from the entity;
 * a column of a type whose pg value TypeORM would convert (numbers, dates, JSON, enums with
 * transformers) is refused at start rather than read wrong.
 */
export class UserRows {
  /** Every column, `password_hash` included, for a SELECT list. */
  readonly selectList: string;
  private readonly columns: readonly (readonly [string, string])[];

  constructor(dataSource: DataSource) {
    const columns = dataSource.getMetadata(User).columns;
    for (const c of columns) {
      const type = typeof c.type === 'string' ? c.type : c.type.name;
      if (!PLAIN_TYPES.has(type) || c.transformer !== undefined) {
        throw new Error(`users.${c.databaseName} (${type}) needs TypeORM's hydration: read it with the query builder`);
      }
    }
    this.columns = columns.map((c) => [c.propertyName, c.databaseName] as const);
    this.selectList = this.columns.map(([, column]) => `"${column}"`).join(', ');
  }

  toEntity(row: Record<string, unknown>): User {
    const user = new User();
    const target = user as unknown as Record<string, unknown>;
    for (const [property, column] of this.columns) target[property] = row[column];
    return user;
  }
}
