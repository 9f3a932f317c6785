import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SERVICES = new URL('../../../scripts/test-env/services.sh', import.meta.url).pathname;

/**
 * A throwaway PostgreSQL cluster of the test's own (scripts/test-env/services.sh), which the
 * test can stop and start again on the same port and data directory: a database outage.
 */
export class ThrowawayPostgres {
  private constructor(
    private readonly dir: string,
    private readonly bin: string,
    /** Superuser URL of the maintenance database `postgres`. */
    readonly adminUrl: string,
  ) {}

  static async start(): Promise<ThrowawayPostgres> {
    const base = process.env.TEST_ENV_DIR ?? '/tmp';
    const dir = join(base, `pg-outage-${randomBytes(4).toString('hex')}`);
    const { stdout } = await run('bash', [SERVICES, 'start', 'postgres', dir], { timeout: 120_000 });
    const url = /^TEST_DATABASE_URL=(.+)$/m.exec(stdout)?.[1];
    if (url === undefined) throw new Error(`services.sh start postgres printed no URL:\n${stdout}`);
    const bin = (await run('bash', [SERVICES, 'pg-bin'])).stdout.trim();
    return new ThrowawayPostgres(dir, bin, url);
  }

  /** The URL of database `name` on this cluster. */
  urlOf(name: string): string {
    const url = new URL(this.adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  }

  /** pg_ctl as the cluster's owner (the `postgres` OS user when we are root, as services.sh does). */
  private pgCtl(args: string[]): Promise<unknown> {
    const command = [join(this.bin, 'pg_ctl'), '-D', join(this.dir, 'data'), ...args];
    const asOwner =
      process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', ...command]] : [command[0], command.slice(1)];
    return run(asOwner[0] as string, asOwner[1] as string[], { cwd: this.dir, timeout: 60_000 });
  }

  /** Stops the server the way a crash does (immediate: no checkpoint, connections cut). */
  async stop(): Promise<void> {
    await this.pgCtl(['-m', 'immediate', '-w', '-t', '30', '-s', 'stop']);
  }

  /** Starts it again on the same port and data directory (crash recovery runs first). */
  async restart(): Promise<void> {
    await this.pgCtl(['-l', join(this.dir, 'postgres.log'), '-w', '-t', '60', '-s', 'start']);
    // services.sh stops only the postmaster whose pid it recorded: record the new one.
    const pid = (await readFile(join(this.dir, 'data', 'postmaster.pid'), 'utf8')).split('\n', 1)[0];
    await writeFile(join(this.dir, 'postgres.pid'), `${pid}\n`);
  }

  /** Stops the server for good and removes its directory. */
  async destroy(): Promise<void> {
    await run('bash', [SERVICES, 'stop', 'postgres', this.dir], { timeout: 60_000 });
  }
}
