/**
 * Keycloak for the comparison: `kc.sh start --optimized` (production mode, built once by
 * fetch.sh for PostgreSQL, health on, local caches) with HTTP on 127.0.0.1, hostname strict
 * off, its own database on the benchmark's PostgreSQL, and argon2id at the cost given per
 * start. The realm (realm.json: ES256, rotating refresh tokens, brute-force detection, a
 * public client with direct access grants) is imported through the admin API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type autocannon from 'autocannon';
import { freePort, PASSWORD, ROOT, waitFor } from '../harness.js';
import { query } from './ours.js';
import type { Argon2Cost, Contender, Tokens } from './types.js';

const REALM = 'bench';
const CLIENT_ID = 'bench';
const ADMIN = { username: 'bench-admin', password: randomBytes(12).toString('hex') };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export interface KeycloakInstall {
  home: string;
  javaHome: string;
  /** JVM heap, as kc.sh's JAVA_OPTS_KC_HEAP (its own default outside containers). */
  heap: string;
}

export class KeycloakServer implements Contender {
  readonly name = 'Keycloak';
  private readonly dbName = `keycloak_bench_${randomBytes(4).toString('hex')}`;
  private child: ChildProcess | undefined;
  base = '';
  private users: string[] = [];
  private starts = 0;
  pid = 0;

  constructor(
    private readonly install: KeycloakInstall,
    private readonly adminUrl: string,
    private readonly logDir: string,
  ) {}

  async createDatabase(): Promise<void> {
    await query(this.adminUrl, `CREATE DATABASE ${this.dbName}`);
  }

  async dropDatabase(): Promise<void> {
    await query(this.adminUrl, `DROP DATABASE IF EXISTS ${this.dbName} WITH (FORCE)`);
  }

  async start(cost: Argon2Cost): Promise<number> {
    const [port, management] = [await freePort(), await freePort()];
    this.base = `http://127.0.0.1:${port}`;
    const pgUrl = new URL(this.adminUrl);
    const argon2 = '--spi-password-hashing--argon2--';
    const args = [
      'start',
      '--optimized',
      '--http-enabled=true',
      '--http-host=127.0.0.1',
      `--http-port=${port}`,
      `--http-management-port=${management}`,
      '--hostname-strict=false',
      `--db-url=jdbc:postgresql://${pgUrl.hostname}:${pgUrl.port || 5432}/${this.dbName}`,
      `--db-username=${decodeURIComponent(pgUrl.username)}`,
      `--db-password=${decodeURIComponent(pgUrl.password)}`,
      `${argon2}memory=${cost.memoryKib}`,
      `${argon2}iterations=${cost.iterations}`,
      `${argon2}parallelism=${cost.parallelism}`,
      '--log-level=warn',
    ];
    const log = openSync(join(this.logDir, `keycloak-${this.dbName}-${++this.starts}.log`), 'a');
    const t0 = performance.now();
    const child = spawn(join(this.install.home, 'bin/kc.sh'), args, {
      env: {
        PATH: process.env.PATH ?? '',
        JAVA_HOME: this.install.javaHome,
        JAVA_OPTS_KC_HEAP: this.install.heap,
        // Creates the temporary admin on the first start only (an empty master realm).
        KC_BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
        KC_BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
      },
      // Its own process group: stop() ends kc.sh and the JVM it forks, and nothing else.
      detached: true,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child = child;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`Keycloak exited (${code}) before ready; see ${this.logDir}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([waitFor(`http://127.0.0.1:${management}/health/ready`, 300_000), exited]);
    const ms = performance.now() - t0;
    this.pid = jvmOf(child.pid as number);
    return ms;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const group = -(child.pid as number);
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(group, 'SIGTERM');
    const killer = setTimeout(() => {
      try {
        process.kill(group, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 60_000);
    await exited;
    clearTimeout(killer);
    // kc.sh waits for its JVM; make sure nothing of the group outlives it.
    await waitGone(this.pid);
    this.child = undefined;
  }

  async seed(count: number): Promise<void> {
    let admin = await this.adminToken();
    const realm = readFileSync(join(ROOT, 'bench/keycloak/realm.json'), 'utf8');
    await this.send('POST', '/admin/realms', admin, realm);
    const { id } = await this.send('GET', `/admin/realms/${REALM}`, admin);
    // The ES256 key: the realm keeps its generated RSA/HMAC/AES keys beside it (the HMAC
    // one signs Keycloak's refresh tokens); ES256 is the default signature algorithm.
    await this.send(
      'POST',
      `/admin/realms/${REALM}/components`,
      admin,
      JSON.stringify({
        name: 'ecdsa-es256',
        providerId: 'ecdsa-generated',
        providerType: 'org.keycloak.keys.KeyProvider',
        parentId: id,
        config: { priority: ['200'], enabled: ['true'], active: ['true'], ecdsaEllipticCurveKey: ['P-256'] },
      }),
    );
    this.users = [];
    for (let i = 0; i < count; i += 16) {
      // The master realm's admin tokens live 60 s; seeding at a high cost takes longer.
      admin = await this.adminToken();
      const batch = Array.from({ length: Math.min(16, count - i) }, (_, j) => `seed${i + j}@bench.example.com`);
      await Promise.all(
        batch.map((email, j) =>
          this.send(
            'POST',
            `/admin/realms/${REALM}/users`,
            admin,
            JSON.stringify({
              username: email,
              email,
              emailVerified: true,
              enabled: true,
              firstName: 'Seed',
              lastName: String(i + j),
              credentials: [{ type: 'password', value: PASSWORD, temporary: false }],
            }),
          ),
        ),
      );
      this.users.push(...batch);
    }
  }

  async login(index: number): Promise<Tokens> {
    const t = await this.token(loginForm(this.users[index % this.users.length]));
    return { access: t.access_token as string, refresh: t.refresh_token as string };
  }

  async hashesAt(cost: Argon2Cost): Promise<{ atCost: number; total: number }> {
    const url = new URL(this.adminUrl);
    url.pathname = `/${this.dbName}`;
    const rows = await query<{ at_cost: string; total: string }>(
      url.toString(),
      `SELECT count(*) FILTER (WHERE d->>'algorithm' = 'argon2'
                                 AND (d->>'hashIterations')::int = $2
                                 AND d#>>'{additionalParameters,memory,0}' = $1
                                 AND d#>>'{additionalParameters,parallelism,0}' = $3
                                 AND d#>>'{additionalParameters,type,0}' = 'id') AS at_cost,
              count(*) AS total
         FROM (SELECT c.credential_data::jsonb AS d
                 FROM credential c JOIN user_entity u ON u.id = c.user_id JOIN realm r ON r.id = u.realm_id
                WHERE r.name = $4 AND c.type = 'password') creds`,
      [String(cost.memoryKib), cost.iterations, String(cost.parallelism), REALM],
    );
    return { atCost: Number(rows[0].at_cost), total: Number(rows[0].total) };
  }

  loginRequest(): autocannon.Request {
    let i = 0;
    return {
      method: 'POST',
      path: tokenPath,
      headers: FORM,
      setupRequest: (req) => ({ ...req, body: loginForm(this.users[i++ % this.users.length]) }),
    };
  }

  refreshRequest(pool: string[]): autocannon.Request {
    return {
      method: 'POST',
      path: tokenPath,
      headers: FORM,
      setupRequest: (req) => ({
        ...req,
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          client_id: CLIENT_ID,
          refresh_token: pool.shift() ?? 'exhausted-pool-token',
        }).toString(),
      }),
      onResponse: (status, body) => {
        if (status === 200) pool.push((JSON.parse(body) as { refresh_token: string }).refresh_token);
      },
    };
  }

  readRequest(tokens: Tokens[]): autocannon.Request {
    let i = 0;
    return {
      method: 'GET',
      path: `/realms/${REALM}/protocol/openid-connect/userinfo`,
      setupRequest: (req) => ({ ...req, headers: { authorization: `Bearer ${tokens[i++ % tokens.length].access}` } }),
    };
  }

  private async adminToken(): Promise<string> {
    const form = new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', ...ADMIN }).toString();
    const res = await fetch(`${this.base}/realms/master/protocol/openid-connect/token`, {
      method: 'POST',
      headers: FORM,
      body: form,
    });
    if (res.status !== 200) throw new Error(`admin token: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  private async token(form: string): Promise<any> {
    const res = await fetch(this.base + tokenPath, { method: 'POST', headers: FORM, body: form });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`token: ${res.status} ${text}`);
    return JSON.parse(text);
  }

  private async send(method: string, path: string, token: string, body?: string): Promise<any> {
    const res = await fetch(this.base + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body,
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text === '' ? null : JSON.parse(text);
  }
}

const tokenPath = `/realms/${REALM}/protocol/openid-connect/token`;

const loginForm = (username: string): string =>
  new URLSearchParams({
    grant_type: 'password',
    client_id: CLIENT_ID,
    username,
    password: PASSWORD,
    // userinfo answers only for tokens with the openid scope.
    scope: 'openid',
  }).toString();

/** kc.sh runs the JVM as its child and waits for it: the JVM is what holds the memory. */
function jvmOf(scriptPid: number): number {
  try {
    const children = readFileSync(`/proc/${scriptPid}/task/${scriptPid}/children`, 'utf8').trim().split(/\s+/);
    return Number(children[0]) || scriptPid;
  } catch {
    return scriptPid;
  }
}

async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
