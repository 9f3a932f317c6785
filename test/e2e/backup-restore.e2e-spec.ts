import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../utils/app.js';
import { createTestDatabase, sql } from '../utils/database.js';
import { type Account, registerAndLogin } from '../utils/factories.js';
import { http } from '../utils/http.js';

const run = promisify(execFile);
const ROOT = new URL('../../../', import.meta.url).pathname;
const MIGRATE = new URL('../../src/database/migrate.js', import.meta.url).pathname;

const script = (name: string, args: string[], env: Record<string, string>) =>
  run('bash', [join(ROOT, 'scripts/backup', name), ...args], { env: { PATH: process.env.PATH ?? '', ...env } });

const count = async (url: string, table: string): Promise<number> =>
  (await sql<{ n: number }>(url, `SELECT count(*)::int AS n FROM ${table}`))[0].n;

/**
 * The restore drill (docs/operations.md, "Backup and restore"): data made through the API,
 * dumped by scripts/backup/backup.sh, restored by restore.sh into an empty database, and a
 * service started on the copy.
 */
describe('backup and restore drill', () => {
  let source: TestApp;
  let restored: TestApp | undefined;
  let target: Awaited<ReturnType<typeof createTestDatabase>>;
  const dir = mkdtempSync(join(tmpdir(), 'us-backup-'));
  const users: Account[] = [];
  before(async () => {
    source = await startTestApp();
    target = await createTestDatabase({ empty: true });
  });
  after(async () => {
    await restored?.close();
    await source.close();
    await target.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('restores users who log in, their sessions and events, with no migration left to run', async () => {
    for (let i = 0; i < 3; i++) {
      const u = await registerAndLogin(source.url);
      await http(source.url, 'PATCH', '/api/v1/users/me', { token: u.access, body: { phone: `+1 555 010${i}` } });
      users.push(u);
    }
    const before = {
      users: await count(source.databaseUrl, 'users'),
      sessions: await count(source.databaseUrl, 'sessions'),
      events: await count(source.databaseUrl, 'outbox_events'),
    };

    // Three backups with BACKUP_KEEP=2: the oldest goes.
    let file = '';
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) {
      file = (
        await script('backup.sh', [], { DATABASE_URL: source.databaseUrl, BACKUP_DIR: dir, BACKUP_KEEP: '2' })
      ).stdout.trim();
      await new Promise((r) => setTimeout(r, 1100)); // names carry the second
    }
    const dumpMs = Date.now() - t0;
    const kept = readdirSync(dir).filter((f) => f.endsWith('.dump'));
    assert.equal(kept.length, 2, `retention by count: ${kept.join(', ')}`);
    assert.ok(kept.includes(file.split('/').at(-1) as string));

    const t1 = Date.now();
    await script('restore.sh', [file], { TARGET_DATABASE_URL: target.url });
    const restoreMs = Date.now() - t1;
    // A second restore into the now non-empty database is refused.
    await assert.rejects(script('restore.sh', [file], { TARGET_DATABASE_URL: target.url }), (e: { code?: number }) => {
      assert.equal(e.code, 3);
      return true;
    });
    const migrate = await run(process.execPath, [MIGRATE], {
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', DATABASE_URL: target.url },
    });
    assert.match(migrate.stdout, /No pending migrations/);
    assert.equal(await count(target.url, 'users'), before.users);
    assert.equal(await count(target.url, 'sessions'), before.sessions);
    assert.equal(await count(target.url, 'outbox_events'), before.events);

    const copy = await startTestApp({ databaseUrl: target.url });
    restored = copy;
    for (const [i, u] of users.entries()) {
      const login = await http(copy.url, 'POST', '/api/v1/auth/login', {
        body: { email: u.identity.email, password: u.identity.password },
      });
      assert.equal(login.status, 200, 'the same user logs in on the copy');
      // The session made before the backup still works: its refresh token rotates on the copy.
      const refreshed = await http(copy.url, 'POST', '/api/v1/auth/refresh', {
        body: { refresh_token: u.refresh },
      });
      assert.equal(refreshed.status, 200);
      const me = await http(copy.url, 'GET', '/api/v1/users/me', { token: refreshed.body.access_token });
      assert.equal(me.body.phone, `+1 555 010${i}`, 'sealed fields open with the same keys');
    }
    process.stdout.write(`# 3 dumps in ${dumpMs - 3300} ms (sleeps excluded), restore in ${restoreMs} ms\n`);
  });
});
