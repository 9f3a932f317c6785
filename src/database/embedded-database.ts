import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { keepSessionOrder } from './pglite-session-order.js';

/**
 * PostgreSQL settings for PGlite, on top of its own start parameters. Postgres touches its
 * whole shared memory at start, inside PGlite's WebAssembly memory, which never shrinks: the
 * default shared_buffers of 128 MB was ~136 MB of the process's RSS from the first second.
 * 8 MB (wal_buffers follows at 256 kB) holds this schema's hot pages; pages that do not fit
 * are read through the file system (the OS page cache, outside the RSS). PGlite is one
 * single-user backend: the shared memory sized for 100 connections, 16 autovacuum workers and
 * 10 WAL senders (lock table, process slots) serves no one, so it is sized for 4, 1 and 0.
 * Durability is unchanged: these decide what is cached and how many sessions could exist,
 * never what is flushed (docs/decisions.md "Embedded mode memory under 250 MB").
 */
const SETTINGS = [
  'shared_buffers=8MB',
  'max_connections=4',
  'superuser_reserved_connections=0',
  'autovacuum_worker_slots=1',
  'max_wal_senders=0',
].flatMap((setting) => ['-c', setting]);

/**
 * The first start on an empty directory: PGlite's initdb runs in a second WebAssembly
 * instance, whose memory, compiled code and copies of the data directory stayed in the
 * server's RSS (+100 – 425 MB at ready; a worker thread gave back only part of it).
 * Run in a process of its own, all of it goes when that process exits.
 */
async function initdb(dataDir: string, startParams: string[]): Promise<void> {
  const script = fileURLToPath(new URL('embedded-initdb.js', import.meta.url));
  const child = spawn(process.execPath, [script, dataDir, JSON.stringify(startParams)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const code = await new Promise<number | null>((done, fail) => {
    child.once('error', fail);
    child.once('exit', done);
  });
  if (code !== 0) throw new Error(`PGlite initdb in ${dataDir}: exited with code ${code}`);
}

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
    const startParams = [...PGlite.defaultStartParams, ...SETTINGS];
    if (!existsSync(join(dir, 'PG_VERSION'))) await initdb(dir, startParams);
    const db = await PGlite.create({ dataDir: dir, startParams });
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
