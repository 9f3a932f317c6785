import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** An open database transaction, passed from services to repositories and the outbox. */
export interface Tx {
  readonly manager: EntityManager;
}

/** Lets services open a transaction without touching TypeORM themselves. */
@Injectable()
export class TransactionRunner {
  constructor(private readonly dataSource: DataSource) {}

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) => work({ manager }));
  }

  /**
   * A transaction that first takes the user's advisory lock, so the transactions of one
   * user commit one after another and their outbox rows get ids in commit order: the relay
   * then publishes each user's events in order. Taken first, before any row lock, so two
   * such transactions can never wait on each other in opposite orders.
   */
  runForUser<T>(userId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [userId]);
      return work({ manager });
    });
  }
}

/** The manager of `tx`, or the data source's own when there is no transaction. */
export function managerOf(dataSource: DataSource, tx?: Tx): EntityManager {
  return tx?.manager ?? dataSource.manager;
}

/** PostgreSQL's unique_violation, optionally on one constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const code = e.driverError?.code ?? e.code;
  const name = e.driverError?.constraint ?? e.constraint;
  return code === '23505' && (constraint === undefined || name === constraint);
}
