import { collectDefaultMetrics, Counter, Gauge, Histogram, register } from 'prom-client';

/**
 * Every series of `/metrics` (contract §1, Operations), on prom-client's default registry. Defined once
 * per process (a registry refuses a name twice; tests run several app instances in one
 * process), so modules import these objects rather than injecting a service.
 */
function once<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

if (register.getSingleMetric('process_cpu_seconds_total') === undefined) collectDefaultMetrics();

export const httpDuration = once(
  'http_request_duration_seconds',
  () =>
    new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route template, method and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
);

export const loginAttempts = once(
  'login_attempts_total',
  () => new Counter({ name: 'login_attempts_total', help: 'Login attempts by result', labelNames: ['result'] }),
);

/**
 * `reason` is invalid_credentials (unknown account or wrong password, deliberately one
 * value), locked (answered before any lookup, for any identifier), disabled or unverified
 * (only after a valid password). No value may depend on whether an account exists.
 */
export const failedLogins = once(
  'failed_logins_total',
  () => new Counter({ name: 'failed_logins_total', help: 'Failed logins by reason', labelNames: ['reason'] }),
);

export const lockouts = once(
  'account_lockouts_total',
  () => new Counter({ name: 'account_lockouts_total', help: 'Emails locked after too many failed logins' }),
);

/**
 * Second login steps (POST /auth/login/mfa) by method (totp, recovery_code, none) and result:
 * success, invalid_code, invalid_token (unknown, used or expired mfa_token) or locked.
 */
export const mfaSecondSteps = once(
  'mfa_second_step_total',
  () =>
    new Counter({
      name: 'mfa_second_step_total',
      help: 'Second login steps by method and result',
      labelNames: ['method', 'result'],
    }),
);

/**
 * Tokens the OpenID provider issued, by grant type (authorization_code, refresh_token,
 * client_credentials) and kind (access_token, id_token, refresh_token).
 */
export const oidcTokensIssued = once(
  'oidc_tokens_issued_total',
  () =>
    new Counter({
      name: 'oidc_tokens_issued_total',
      help: 'Tokens issued by the OpenID provider, by grant type and token kind',
      labelNames: ['grant_type', 'kind'],
    }),
);

export const signups = once(
  'user_signups_total',
  () => new Counter({ name: 'user_signups_total', help: 'Users created, by source', labelNames: ['source'] }),
);

export const cacheHits = once(
  'cache_hits_total',
  () => new Counter({ name: 'cache_hits_total', help: 'Cache hits by cache', labelNames: ['cache'] }),
);

export const cacheMisses = once(
  'cache_misses_total',
  () => new Counter({ name: 'cache_misses_total', help: 'Cache misses by cache', labelNames: ['cache'] }),
);

const activeSessionSources: (() => Promise<number>)[] = [];

once(
  'active_sessions',
  () =>
    new Gauge({
      name: 'active_sessions',
      help: 'Sessions neither revoked nor expired',
      async collect() {
        const source = activeSessionSources.at(-1);
        if (source === undefined) return;
        try {
          this.set(await source());
        } catch {
          // a scrape during a database outage keeps the last value
        }
      },
    }),
);

/** The gauge counts through the most recently started instance's database. */
export function addActiveSessionSource(source: () => Promise<number>): () => void {
  activeSessionSources.push(source);
  return () => {
    const i = activeSessionSources.indexOf(source);
    if (i >= 0) activeSessionSources.splice(i, 1);
  };
}

/** Hashes running and waiting in one password-hash queue (PasswordHasher). */
export interface HashQueueSample {
  queue: 'argon2' | 'legacy';
  active: number;
  pending: number;
}

const hashQueueSources: (() => HashQueueSample[])[] = [];

once(
  'password_hash_queue',
  () =>
    new Gauge({
      name: 'password_hash_queue',
      help: 'Password hashes running (state=active) and waiting (state=pending) per queue',
      labelNames: ['queue', 'state'],
      collect() {
        const source = hashQueueSources.at(-1);
        if (source === undefined) return;
        for (const { queue, active, pending } of source()) {
          this.set({ queue, state: 'active' }, active);
          this.set({ queue, state: 'pending' }, pending);
        }
      },
    }),
);

/** The gauge reads the most recently started instance's hasher. */
export function addHashQueueSource(source: () => HashQueueSample[]): () => void {
  hashQueueSources.push(source);
  return () => {
    const i = hashQueueSources.indexOf(source);
    if (i >= 0) hashQueueSources.splice(i, 1);
  };
}

export function metricsText(): Promise<string> {
  return register.metrics();
}

export const METRICS_CONTENT_TYPE = register.contentType;
