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

/**
 * "No transaction": each statement commits on its own. Repository methods take the handle
 * first and require it (`tx: Tx` when they must run inside a transaction, `db: Db` when
 * either will do), so leaving a transaction out is a choice written at the call site, never
 * a forgotten argument.
 */
export const AUTOCOMMIT: unique symbol = Symbol('autocommit');

/** Where a statement runs: inside an open transaction, or on its own (AUTOCOMMIT). */
export type Db = Tx | typeof AUTOCOMMIT;

/** The manager to run on: the transaction's, or the data source's own for AUTOCOMMIT. */
export function managerOf(dataSource: DataSource, db: Db): EntityManager {
  return db === AUTOCOMMIT ? dataSource.manager : db.manager;
}

/** PostgreSQL's unique_violation, optionally on one constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const code = e.driverError?.code ?? e.code;
  const name = e.driverError?.constraint ?? e.constraint;
  return code === '23505' && (constraint === undefined || name === constraint);
}
