import { hashToken, newOpaqueToken } from '#src/modules/sessions/token-hash.js';
import { startTestApp, type TestApp, type TestAppOptions } from './app.js';
import { sql } from './database.js';
import { http, type Res } from './http.js';
import { startSmtp } from './smtp.js';

/**
 * Users and sessions for the tests: over HTTP where the test is about the API, straight in
 * PostgreSQL where a test only needs the rows to exist (the service-level tier, and setups
 * that would otherwise pay an argon2 hash per user).
 */

export interface Credentials {
  email: string;
  password: string;
}

export interface Identity extends Credentials {
  name: string;
  username: string;
}

/** A signed-in account made over HTTP. */
export interface Account {
  id: string;
  access: string;
  refresh: string;
  identity: Identity;
}

export type Smtp = Awaited<ReturnType<typeof startSmtp>>;

let counter = 0;
/** A unique, policy-compliant identity for one test. */
export function newIdentity(tag = 'u'): Identity {
  counter += 1;
  const id = `${tag}${Date.now().toString(36)}${counter}${Math.floor(Math.random() * 1e6).toString(36)}`;
  return { email: `${id}@example.com`, password: `Str0ng-Pass-${id}`, name: `Test ${id}`, username: id.slice(0, 32) };
}

function login(base: string, credentials: Credentials, headers?: Record<string, string>): Promise<Res> {
  return http(base, 'POST', '/api/v1/auth/login', {
    body: { email: credentials.email, password: credentials.password },
    headers,
  });
}

/** Logs in and returns the access token; throws unless the login succeeds. */
async function accessTokenOf(base: string, credentials: Credentials): Promise<string> {
  const res = await login(base, credentials);
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token as string;
}

/** Registers through the public route, then logs in: one session. */
export async function registerAndLogin(base: string, identity = newIdentity()): Promise<Account> {
  const reg = await http(base, 'POST', '/api/v1/auth/register', { body: identity });
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${JSON.stringify(reg.body)}`);
  const res = await login(base, identity);
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: reg.body.id, access: res.body.access_token, refresh: res.body.refresh_token, identity };
}

/** An admin creates the user (with a role), which then logs in. */
export async function createAndLogin(
  base: string,
  adminToken: string,
  identity = newIdentity(),
  role?: 'user' | 'moderator' | 'admin',
): Promise<Account> {
  const created = await http(base, 'POST', '/api/v1/users', {
    token: adminToken,
    body: role === undefined ? identity : { ...identity, role },
  });
  if (created.status !== 201) throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
  const res = await login(base, identity);
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: created.body.id, access: res.body.access_token, refresh: res.body.refresh_token, identity };
}

/** The environment that makes the service create this admin at start (ADMIN_EMAIL, ADMIN_PASSWORD). */
function adminEnv(admin: Credentials): Record<string, string> {
  return { ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password };
}

export interface AppWithAdmin {
  t: TestApp;
  /** The admin's access token. */
  admin: string;
  adminId: string;
  /** Present when started with `smtp: true`; the app mails to it (SMTP_URL). */
  smtp: Smtp | undefined;
  close(): Promise<void>;
}

/**
 * The app with the admin of ADMIN_EMAIL, signed in; with `smtp: true` a real SMTP server
 * first, which the app mails to. Closes both.
 */
export async function startWithAdmin(
  admin: Credentials,
  options: TestAppOptions & { smtp: true },
): Promise<AppWithAdmin & { smtp: Smtp }>;
export async function startWithAdmin(admin: Credentials, options?: TestAppOptions): Promise<AppWithAdmin>;
export async function startWithAdmin(
  admin: Credentials,
  options: TestAppOptions & { smtp?: boolean } = {},
): Promise<AppWithAdmin> {
  const smtp = options.smtp === true ? await startSmtp() : undefined;
  const t = await startTestApp({
    ...options,
    env: { ...(smtp === undefined ? {} : { SMTP_URL: smtp.url }), ...adminEnv(admin), ...options.env },
  });
  const token = await accessTokenOf(t.url, admin);
  const me = await http(t.url, 'GET', '/api/v1/users/me', { token });
  return {
    t,
    admin: token,
    adminId: me.body.id as string,
    smtp,
    close: async () => {
      await t.close();
      await smtp?.close();
    },
  };
}

// ---- straight in PostgreSQL ----

/** How the service stores one-time tokens and refresh tokens: SHA-256, hex. */

export interface UserRow {
  id: string;
  email: string;
  username: string;
}

/**
 * Inserts a user row. `passwordHash` is stored as given (a fixture hash, or any string when
 * the test never logs in); the other columns take the migration's defaults unless set.
 */
export async function insertUser(
  databaseUrl: string,
  fields: {
    email?: string;
    username?: string;
    name?: string;
    passwordHash?: string;
    role?: 'user' | 'moderator' | 'admin';
    isVerified?: boolean;
    isActive?: boolean;
  } = {},
): Promise<UserRow> {
  const identity = newIdentity('sql');
  const rows = await sql<UserRow>(
    databaseUrl,
    `INSERT INTO users (email, username, name, password_hash, role, is_verified, is_active)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, email, username`,
    [
      fields.email ?? identity.email,
      fields.username ?? identity.username,
      fields.name ?? identity.name,
      fields.passwordHash ?? 'not-a-hash',
      fields.role ?? 'user',
      fields.isVerified ?? false,
      fields.isActive ?? true,
    ],
  );
  return rows[0];
}

/** Replaces a user's stored hash (a legacy or dearer one), behind the service's back. */
export async function setPasswordHash(databaseUrl: string, userId: string, hash: string): Promise<void> {
  await sql(databaseUrl, 'UPDATE users SET password_hash = $1 WHERE id = $2', [hash, userId]);
}

/**
 * Inserts a one-time token as the mail would carry it and returns the token. A verification
 * token names the address it was mailed to (the user's current one), as the service's do.
 */
export async function insertOneTimeToken(
  databaseUrl: string,
  userId: string,
  purpose: 'password_reset' | 'email_verification',
  expiresInMinutes = 10,
): Promise<string> {
  const token = newOpaqueToken();
  await sql(
    databaseUrl,
    `INSERT INTO one_time_tokens (user_id, purpose, token_hash, expires_at, email)
     SELECT $1::uuid, $2::varchar, $3::varchar, now() + make_interval(mins => $4::int),
            CASE WHEN $2::varchar = 'email_verification' THEN email END
       FROM users WHERE id = $1::uuid`,
    [userId, purpose, hashToken(token), expiresInMinutes],
  );
  return token;
}

export interface SessionRow {
  id: string;
  refreshToken: string;
}

/** Inserts a live session (or an expired one) and returns its id and refresh token. */
export async function insertSession(
  databaseUrl: string,
  userId: string,
  fields: { ip?: string | null; userAgent?: string | null; expiresInSeconds?: number } = {},
): Promise<SessionRow> {
  const refreshToken = newOpaqueToken();
  const rows = await sql<{ id: string }>(
    databaseUrl,
    `INSERT INTO sessions (user_id, refresh_token_hash, ip_address, user_agent, expires_at, last_used_at)
     VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::int), now()) RETURNING id`,
    [userId, hashToken(refreshToken), fields.ip ?? null, fields.userAgent ?? null, fields.expiresInSeconds ?? 3600],
  );
  return { id: rows[0].id, refreshToken };
}

/** A user's sessions as stored, oldest first. */
export function sessionsOf(
  databaseUrl: string,
  userId: string,
): Promise<
  {
    id: string;
    revoked_at: Date | null;
    revoked_reason: string | null;
    ip_address: string | null;
    user_agent: string | null;
  }[]
> {
  return sql(
    databaseUrl,
    `SELECT id, revoked_at, revoked_reason, ip_address, user_agent FROM sessions WHERE user_id = $1
      ORDER BY created_at, id`,
    [userId],
  );
}
