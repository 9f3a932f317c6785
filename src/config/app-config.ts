import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseDataKeys } from '#src/crypto/data-keys.js';
import type { DataKey } from '#src/crypto/field-cipher.js';

/**
 * The only place that reads `process.env`. Every variable of contract §5 is parsed
 * once into a typed, nested AppConfig; a bad value stops the start with its name.
 */

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

const csv = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );

const url = (protocols: string[]) =>
  optionalString.refine(
    (v) => {
      if (v === undefined) return true;
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL with protocol ${protocols.join(' or ')}` },
  );

/** proxy-addr's names for the private ranges (loopback, link-local, unique-local). */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An address or a CIDR range with a non-zero prefix ("0.0.0.0/0" would trust everyone). */
function isProxyRange(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  const bits = Number(prefix);
  return bits >= 1 && bits <= (family === 4 ? 32 : 128);
}

/**
 * TRUST_PROXY in the forms of Fastify's `trustProxy`, less "trust everything": off, a hop
 * count (the number of proxies in front of the service), or the proxies' addresses and CIDR
 * ranges. `true` is refused: every client could then choose its own IP with X-Forwarded-For.
 */
export type TrustProxy = false | number | string[];

function parseTrustProxy(value: string | undefined, ctx?: z.RefinementCtx): TrustProxy {
  const raw = (value ?? '').trim();
  if (raw === '' || raw === 'false' || raw === '0') return false;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops <= 32) return hops;
  } else if (raw !== 'true') {
    const entries = raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    const bad = entries.filter((e) => !isProxyRange(e));
    if (bad.length === 0) return entries;
  }
  ctx?.addIssue({
    code: 'custom',
    message:
      'must be false, a hop count (1-32) or a comma-separated list of proxy addresses/CIDR ranges ' +
      '(or loopback, linklocal, uniquelocal); `true` and /0 ranges would trust every client',
  });
  return false;
}

/** The roles a deployment may require a second factor of (the users table's roles). */
const MFA_ROLES = ['user', 'moderator', 'admin'] as const;

/** A 32-byte key written as 64 hex digits or as base64 / base64url; null when it is neither. */
function parseKey32(value: string): Buffer | null {
  const v = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(v)) return null;
  const key = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === 32 ? key : null;
}

const pem = optionalString.transform((v) => (v === undefined ? undefined : v.replace(/\\n/g, '\n')));

const envSchema = z.object({
  PORT: int(8000, 0, 65535),
  HOST: z.string().min(1).default('0.0.0.0'),
  // The Prometheus listener, apart from the API so no Service or Ingress of the API routes
  // it (docs/decisions.md, "Metrics port and logs"). 0: a free port chosen by the OS.
  METRICS_PORT: int(9464, 0, 65535),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Mail logged without SMTP_URL shows links without their query (the token) unless true.
  LOG_MAIL_LINKS: bool(false),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  DATABASE_POOL_SIZE: int(20, 2, 500),
  DATABASE_STATEMENT_TIMEOUT_MS: int(10000, 100, 600000),
  RUN_MIGRATIONS: bool(true),
  REDIS_URL: url(['redis:', 'rediss:']),
  REDIS_KEY_PREFIX: z.string().max(64).default('us:'),
  KAFKA_BROKERS: csv,
  KAFKA_CLIENT_ID: z.string().min(1).default('user-service'),
  KAFKA_TOPIC_USER_EVENTS: z.string().min(1).default('user-events'),
  OUTBOX_POLL_INTERVAL_MS: int(200, 10, 60000),
  OUTBOX_BATCH_SIZE: int(200, 1, 5000),
  OUTBOX_RETENTION_HOURS: int(72, 0, 24 * 365),
  JWT_ALGORITHM: z.enum(['ES256', 'RS256', 'HS256']).default('ES256'),
  JWT_PRIVATE_KEY: pem,
  JWT_PUBLIC_KEY: pem,
  JWT_PREVIOUS_PUBLIC_KEYS: optionalString,
  JWT_SECRET: optionalString,
  // Unset: the OpenID issuer URL (OIDC_ISSUER), so /api/v1 tokens and ID tokens name one issuer.
  JWT_ISSUER: optionalString,
  JWT_AUDIENCE: z.string().min(1).default('user-service'),
  JWT_ACCESS_TOKEN_EXPIRE_MINUTES: int(15, 1, 24 * 60),
  JWT_REFRESH_TOKEN_EXPIRE_DAYS: int(7, 1, 365),
  // 32 MiB, t=2: the strongest cost whose login p97.5 stays under 150 ms at 70 % of the
  // verify ceiling on the reference machine (npm run bench:argon2, docs/performance.md).
  // Never below OWASP's 19 MiB.
  ARGON2_MEMORY_KIB: int(32768, 19456, 4 * 1024 * 1024),
  ARGON2_TIME_COST: int(2, 2, 20),
  ARGON2_PARALLELISM: int(1, 1, 16),
  ARGON2_MAX_CONCURRENCY: int(availableParallelism(), 1, 256),
  // Verifies of imported (bcrypt, werkzeug, foreign argon2) hashes at once: their own small
  // queue, so they never hold the argon2id login queue (docs/decisions.md "Legacy hash cost").
  LEGACY_HASH_MAX_CONCURRENCY: int(1, 1, 16),
  PASSWORD_MIN_LENGTH: int(8, 8, 128),
  PASSWORD_REQUIRE_CLASSES: bool(true),
  // A change or reset refuses the last N passwords (0: off). docs/decisions.md, "Password history".
  PASSWORD_HISTORY_COUNT: int(5, 0, 24),
  MAX_LOGIN_ATTEMPTS: int(5, 1, 1000),
  ACCOUNT_LOCKOUT_DURATION_MINUTES: int(15, 1, 24 * 60),
  RATE_LIMIT_ENABLED: bool(true),
  RATE_LIMIT_PER_MINUTE: int(600, 1, 1_000_000),
  RATE_LIMIT_LOGIN_PER_MINUTE: int(5, 1, 1_000_000),
  RATE_LIMIT_REGISTER_PER_HOUR: int(3, 1, 1_000_000),
  MAX_SESSIONS_PER_USER: int(5, 1, 1000),
  CACHE_TTL_SECONDS: int(3600, 1, 7 * 24 * 3600),
  ALLOWED_API_TOKENS: csv,
  // id:base64 pairs, the first seals, all open (docs/decisions.md, "Encryption at rest").
  DATA_ENCRYPTION_KEYS: optionalString.transform((v, ctx) => dataKeys(v, ctx)),
  ADMIN_EMAIL: optionalString,
  ADMIN_PASSWORD: optionalString,
  REQUIRE_VERIFIED_EMAIL: bool(false),
  SMTP_URL: url(['smtp:', 'smtps:']),
  MAIL_FROM: z.string().min(3).default('no-reply@localhost'),
  PUBLIC_URL: z.url().default('http://localhost:8000'),
  // The OpenID Connect issuer; unset: PUBLIC_URL + /oidc (docs/decisions.md, "OpenID Connect provider").
  OIDC_ISSUER: url(['https:', 'http:']).refine(
    (v) => v === undefined || (!['', '/'].includes(new URL(v).pathname) && !/[?#]/.test(v)),
    {
      message:
        'must have a path and no query (the provider is mounted at the path; the API keeps the root), e.g. https://id.example.com/oidc',
    },
  ),
  CORS_ORIGINS: csv,
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((v, ctx) => parseTrustProxy(v, ctx)),
  // 16 KiB: the largest body of an ordinary route is a few hundred bytes. The admin import
  // has its own, larger limit (docs/decisions.md, "HTTP input bounds").
  BODY_LIMIT_BYTES: int(16 * 1024, 1024, 100 * 1024 * 1024),
  SHUTDOWN_TIMEOUT_MS: int(10000, 0, 120000),
  // The issuer authenticator apps show next to the account (the otpauth:// URL's issuer).
  MFA_ISSUER: z.string().trim().min(1).max(64).default('user-service'),
  // Roles that must confirm a second factor before any route but enrolment, /users/me, logout and sessions.
  MFA_REQUIRED_ROLES: csv.refine((roles) => roles.every((r) => (MFA_ROLES as readonly string[]).includes(r)), {
    message: `must be a comma list of ${MFA_ROLES.join(', ')}`,
  }),
  // 32 bytes, base64 or hex: the AES-256-GCM key of the stored TOTP secrets.
  // Signs the hosted pages' cookies (page session, CSRF secret); comma-separated, the first
  // signs and all verify (rotation). Outside production generated under DATA_DIR/keys.
  COOKIE_SECRET: csv.refine((secrets) => secrets.every((s) => s.length >= 32), {
    message: 'every secret must be at least 32 characters (npm run keys:generate makes one)',
  }),
  MFA_ENCRYPTION_KEY: optionalString.refine((v) => v === undefined || parseKey32(v) !== null, {
    message: 'must be 32 bytes, as 64 hex digits or base64/base64url',
  }),
});

type Env = z.infer<typeof envSchema>;
export type JwtAlgorithm = Env['JWT_ALGORITHM'];

export interface AppConfig {
  env: Env['NODE_ENV'];
  isProduction: boolean;
  http: {
    port: number;
    host: string;
    bodyLimit: number;
    trustProxy: TrustProxy;
    corsOrigins: string[];
    publicUrl: string;
    shutdownTimeoutMs: number;
  };
  log: { level: Env['LOG_LEVEL']; mailLinks: boolean };
  metrics: { port: number; host: string };
  dataDir: string;
  database: {
    /** undefined: the embedded database under dataDir */
    url: string | undefined;
    poolSize: number;
    statementTimeoutMs: number;
    runMigrations: boolean;
  };
  redis: { url: string | undefined; keyPrefix: string };
  kafka: {
    brokers: string[];
    clientId: string;
    topic: string;
    pollIntervalMs: number;
    batchSize: number;
    retentionHours: number;
  };
  jwt: {
    algorithm: JwtAlgorithm;
    privateKey: string | undefined;
    publicKey: string | undefined;
    previousPublicKeys: string[];
    secret: string | undefined;
    issuer: string;
    /** Issuers whose tokens still verify: the configured one, and before JWT_ISSUER was a URL, `user-service`. */
    acceptedIssuers: string[];
    audience: string;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
  };
  argon2: { memoryCost: number; timeCost: number; parallelism: number; maxConcurrency: number };
  legacyHashes: { maxConcurrency: number };
  password: { minLength: number; requireClasses: boolean; historyCount: number };
  /** undefined: generated under dataDir outside production */
  dataEncryptionKeys: DataKey[] | undefined;
  lockout: { maxAttempts: number; durationSeconds: number };
  rateLimit: { enabled: boolean; perMinute: number; loginPerMinute: number; registerPerHour: number };
  sessions: { maxPerUser: number };
  cache: { ttlSeconds: number };
  serviceTokens: string[];
  admin: { email: string | undefined; password: string | undefined };
  requireVerifiedEmail: boolean;
  mail: { smtpUrl: string | undefined; from: string };
  oidc: {
    /** The OpenID Connect issuer URL (no trailing slash); the provider is mounted at its path. */
    issuer: string;
  };
  /** Signing secrets of the hosted pages' cookies, the first signs; undefined: generated under dataDir/keys (never in production). */
  cookieSecrets: string[] | undefined;
  mfa: {
    issuer: string;
    requiredRoles: (typeof MFA_ROLES)[number][];
    /** undefined: generated under dataDir/keys (never in production). */
    encryptionKey: Buffer | undefined;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** JWT_ISSUER's default before it became the OpenID issuer URL: its tokens keep verifying. */
const LEGACY_JWT_ISSUER = 'user-service';

const PLACEHOLDER_SECRETS = /^(changeme|change-me|secret|password|placeholder|example|xxx+)$/i;

export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  }
  const env = parsed.data;
  const problems = productionProblems(env);
  if (env.JWT_ALGORITHM === 'HS256' && env.JWT_SECRET !== undefined && env.JWT_SECRET.length < 32) {
    problems.push('JWT_SECRET: must be at least 32 characters for HS256');
  }
  if (env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT) {
    problems.push('METRICS_PORT: must differ from PORT (metrics are never served on the API port)');
  }
  if ((env.ADMIN_EMAIL === undefined) !== (env.ADMIN_PASSWORD === undefined)) {
    problems.push('ADMIN_EMAIL, ADMIN_PASSWORD: set both or neither');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const publicUrl = env.PUBLIC_URL.replace(/\/+$/, '');
  const oidcIssuer = (env.OIDC_ISSUER ?? `${publicUrl}/oidc`).replace(/\/+$/, '');
  const jwtIssuer = env.JWT_ISSUER ?? oidcIssuer;

  return {
    env: env.NODE_ENV,
    isProduction: env.NODE_ENV === 'production',
    http: {
      port: env.PORT,
      host: env.HOST,
      bodyLimit: env.BODY_LIMIT_BYTES,
      trustProxy: env.TRUST_PROXY,
      corsOrigins: env.CORS_ORIGINS,
      publicUrl,
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    },
    log: { level: env.LOG_LEVEL, mailLinks: env.LOG_MAIL_LINKS },
    metrics: { port: env.METRICS_PORT, host: env.HOST },
    dataDir: env.DATA_DIR,
    database: {
      url: env.DATABASE_URL,
      poolSize: env.DATABASE_POOL_SIZE,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
      runMigrations: env.RUN_MIGRATIONS,
    },
    redis: { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX },
    kafka: {
      brokers: env.KAFKA_BROKERS,
      clientId: env.KAFKA_CLIENT_ID,
      topic: env.KAFKA_TOPIC_USER_EVENTS,
      pollIntervalMs: env.OUTBOX_POLL_INTERVAL_MS,
      batchSize: env.OUTBOX_BATCH_SIZE,
      retentionHours: env.OUTBOX_RETENTION_HOURS,
    },
    jwt: {
      algorithm: env.JWT_ALGORITHM,
      privateKey: env.JWT_PRIVATE_KEY,
      publicKey: env.JWT_PUBLIC_KEY,
      previousPublicKeys: splitPemList(env.JWT_PREVIOUS_PUBLIC_KEYS),
      secret: env.JWT_SECRET,
      issuer: jwtIssuer,
      acceptedIssuers: env.JWT_ISSUER === undefined ? [jwtIssuer, LEGACY_JWT_ISSUER] : [jwtIssuer],
      audience: env.JWT_AUDIENCE,
      accessTtlSeconds: env.JWT_ACCESS_TOKEN_EXPIRE_MINUTES * 60,
      refreshTtlSeconds: env.JWT_REFRESH_TOKEN_EXPIRE_DAYS * 24 * 3600,
    },
    argon2: {
      memoryCost: env.ARGON2_MEMORY_KIB,
      timeCost: env.ARGON2_TIME_COST,
      parallelism: env.ARGON2_PARALLELISM,
      maxConcurrency: env.ARGON2_MAX_CONCURRENCY,
    },
    legacyHashes: { maxConcurrency: env.LEGACY_HASH_MAX_CONCURRENCY },
    password: {
      minLength: env.PASSWORD_MIN_LENGTH,
      requireClasses: env.PASSWORD_REQUIRE_CLASSES,
      historyCount: env.PASSWORD_HISTORY_COUNT,
    },
    dataEncryptionKeys: env.DATA_ENCRYPTION_KEYS,
    lockout: {
      maxAttempts: env.MAX_LOGIN_ATTEMPTS,
      durationSeconds: env.ACCOUNT_LOCKOUT_DURATION_MINUTES * 60,
    },
    rateLimit: {
      enabled: env.RATE_LIMIT_ENABLED,
      perMinute: env.RATE_LIMIT_PER_MINUTE,
      loginPerMinute: env.RATE_LIMIT_LOGIN_PER_MINUTE,
      registerPerHour: env.RATE_LIMIT_REGISTER_PER_HOUR,
    },
    sessions: { maxPerUser: env.MAX_SESSIONS_PER_USER },
    cache: { ttlSeconds: env.CACHE_TTL_SECONDS },
    serviceTokens: env.ALLOWED_API_TOKENS,
    admin: { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD },
    requireVerifiedEmail: env.REQUIRE_VERIFIED_EMAIL,
    mail: { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM },
    oidc: { issuer: oidcIssuer },
    cookieSecrets: env.COOKIE_SECRET.length === 0 ? undefined : env.COOKIE_SECRET,
    mfa: {
      issuer: env.MFA_ISSUER,
      requiredRoles: env.MFA_REQUIRED_ROLES as (typeof MFA_ROLES)[number][],
      encryptionKey:
        env.MFA_ENCRYPTION_KEY === undefined ? undefined : (parseKey32(env.MFA_ENCRYPTION_KEY) ?? undefined),
    },
  };
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** DATA_ENCRYPTION_KEYS: ids [A-Za-z0-9_-]{1,32}, unique; keys 32 bytes of base64. */
function dataKeys(value: string | undefined, ctx: z.RefinementCtx): DataKey[] | undefined {
  if (value === undefined) return undefined;
  const keys = parseDataKeys(value);
  const ids = new Set<string>();
  for (const key of keys) {
    if (!KEY_ID.test(key.id))
      ctx.addIssue({ code: 'custom', message: 'every entry must be id:base64 with an id of [A-Za-z0-9_-]{1,32}' });
    else if (ids.has(key.id)) ctx.addIssue({ code: 'custom', message: `key id ${key.id} appears twice` });
    else if (key.key.length !== 32)
      ctx.addIssue({ code: 'custom', message: `key ${key.id} must be 32 bytes (base64)` });
    ids.add(key.id);
  }
  if (keys.length === 0) ctx.addIssue({ code: 'custom', message: 'no key given' });
  return keys;
}

function productionProblems(env: Env): string[] {
  if (env.NODE_ENV !== 'production') return [];
  const problems: string[] = [];
  if (env.DATABASE_URL === undefined) problems.push('DATABASE_URL: required in production');
  if (env.LOG_MAIL_LINKS) problems.push('LOG_MAIL_LINKS: not allowed in production (links carry live tokens)');
  if (env.REDIS_URL === undefined) problems.push('REDIS_URL: required in production');
  if (env.DATA_ENCRYPTION_KEYS === undefined) problems.push('DATA_ENCRYPTION_KEYS: required in production');
  if (env.COOKIE_SECRET.length === 0) problems.push('COOKIE_SECRET: required in production');
  else if (env.COOKIE_SECRET.some((s) => PLACEHOLDER_SECRETS.test(s)))
    problems.push('COOKIE_SECRET: placeholder value');
  if (env.JWT_ALGORITHM === 'HS256') {
    if (env.JWT_SECRET === undefined) problems.push('JWT_SECRET: required in production for HS256');
    else if (PLACEHOLDER_SECRETS.test(env.JWT_SECRET)) problems.push('JWT_SECRET: placeholder value');
  } else {
    if (env.JWT_PRIVATE_KEY === undefined)
      problems.push(`JWT_PRIVATE_KEY: required in production for ${env.JWT_ALGORITHM}`);
    // JWT_PUBLIC_KEY is optional: it is derived from the private key when absent.
  }
  // Without the key production offers no enrolment (503), and refuses to start once secrets
  // are stored (the MFA module checks); requiring roles to enrol needs it from the start.
  if (env.MFA_ENCRYPTION_KEY === undefined && env.MFA_REQUIRED_ROLES.length > 0) {
    problems.push('MFA_ENCRYPTION_KEY: required in production when MFA_REQUIRED_ROLES is set');
  }
  for (const token of env.ALLOWED_API_TOKENS) {
    if (token.length < 16 || PLACEHOLDER_SECRETS.test(token)) {
      problems.push('ALLOWED_API_TOKENS: every token must be at least 16 characters and not a placeholder');
      break;
    }
  }
  return problems;
}

/** Several PEM public keys in one variable, separated by blank lines or `;`. */
function splitPemList(value: string | undefined): string[] {
  if (value === undefined) return [];
  const normalised = value.replace(/\\n/g, '\n');
  return normalised.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? [];
}
