import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { keepSessionOrder } from './pglite-session-order.js';

/**
 * PostgreSQL settings for PGlite, on top of its own start parameters. Postgres touches its
 * whole shared memory at start, inside PGlite's WebAssembly memory, which never shrinks: the
 * default shared_buffers of 128 MB was ~136 MB of the process's RSS from the first second.
 * 16 MB (wal_buffers follows at 512 kB) is plenty for this schema on one laptop; pages
 * that do not fit are read through the file system (the OS page cache, outside the RSS).
 * Durability is unchanged: shared_buffers decides what is cached, never what is flushed
 * (docs/decisions.md "Keycloak comparison and embedded memory").
 */
const SETTINGS = ['-c', 'shared_buffers=16MB'];

/**
 * The embedded default: PGlite (PostgreSQL compiled to WebAssembly) persisted under
 * DATA_DIR, served on a loopback port so the app talks to it with the same `pg`
 * driver, migrations and SQL as production. See docs/decisions.md.
 */
export class EmbeddedDatabase {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly url: string,
  ) {}

  static async start(dataDir: string, maxConnections: number): Promise<EmbeddedDatabase> {
    const dir = resolve(join(dataDir, 'pgdata'));
    mkdirSync(dir, { recursive: true });
    const db = await PGlite.create({ dataDir: dir, startParams: [...PGlite.defaultStartParams, ...SETTINGS] });
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
    keepSessionOrder(server, db);
    await server.start();
    const address = server.getServerConn();
    const port = address.split(':').pop();
    return new EmbeddedDatabase(db, server, `postgres://postgres:postgres@127.0.0.1:${port}/postgres`);
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
  }
}
