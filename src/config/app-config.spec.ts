import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './app-config.js';

const DATA_KEY = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
const COOKIE = 'c'.repeat(43);

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  return [];
}

describe('config', () => {
  it('has the documented defaults (contract §5) with nothing set', () => {
    const config = loadConfig({});
    assert.equal(config.http.port, 8000);
    assert.equal(config.http.host, '0.0.0.0');
    assert.equal(config.database.url, undefined);
    assert.equal(config.database.poolSize, 20);
    assert.equal(config.jwt.algorithm, 'ES256');
    assert.equal(config.jwt.accessTtlSeconds, 15 * 60);
    assert.equal(config.jwt.refreshTtlSeconds, 7 * 24 * 3600);
    assert.equal(config.lockout.maxAttempts, 5);
    assert.equal(config.lockout.durationSeconds, 15 * 60);
    assert.equal(config.rateLimit.perMinute, 600);
    assert.equal(config.rateLimit.loginPerMinute, 5);
    assert.equal(config.rateLimit.registerPerHour, 3);
    assert.equal(config.sessions.maxPerUser, 5);
    assert.equal(config.cache.ttlSeconds, 3600);
    assert.equal(config.kafka.topic, 'user-events');
    assert.equal(config.mail.from, 'no-reply@localhost');
    assert.equal(config.http.publicUrl, 'http://localhost:8000');
    assert.ok(config.argon2.memoryCost >= 19456 && config.argon2.timeCost >= 2);
  });

  it('reads the MFA settings: issuer, required roles, a 32-byte key in hex or base64', () => {
    const defaults = loadConfig({});
    assert.deepEqual(defaults.mfa, { issuer: 'user-service', requiredRoles: [], encryptionKey: undefined });
    const hex = 'ab'.repeat(32);
    const config = loadConfig({ MFA_ISSUER: 'Acme', MFA_REQUIRED_ROLES: 'admin, moderator', MFA_ENCRYPTION_KEY: hex });
    assert.equal(config.mfa.issuer, 'Acme');
    assert.deepEqual(config.mfa.requiredRoles, ['admin', 'moderator']);
    assert.deepEqual(config.mfa.encryptionKey, Buffer.from(hex, 'hex'));
    const b64 = Buffer.alloc(32, 7).toString('base64');
    assert.deepEqual(loadConfig({ MFA_ENCRYPTION_KEY: b64 }).mfa.encryptionKey, Buffer.alloc(32, 7));
    assert.match(problems({ MFA_REQUIRED_ROLES: 'admin,root' }).join(), /MFA_REQUIRED_ROLES/);
    assert.match(problems({ MFA_ENCRYPTION_KEY: 'short' }).join(), /MFA_ENCRYPTION_KEY/);
    assert.match(problems({ MFA_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') }).join(), /MFA_ENCRYPTION_KEY/);
  });

  it('needs MFA_ENCRYPTION_KEY in production when roles must use MFA', () => {
    const prod = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u:p@db/x',
      REDIS_URL: 'redis://r:6379',
      JWT_PRIVATE_KEY: 'pem',
      DATA_ENCRYPTION_KEYS: DATA_KEY,
      COOKIE_SECRET: COOKIE,
    };
    assert.deepEqual(problems(prod), []);
    assert.match(
      problems({ ...prod, MFA_REQUIRED_ROLES: 'admin' }).join(),
      /MFA_ENCRYPTION_KEY: required in production/,
    );
    assert.deepEqual(problems({ ...prod, MFA_REQUIRED_ROLES: 'admin', MFA_ENCRYPTION_KEY: 'cd'.repeat(32) }), []);
  });

  it('names the variable of a bad value', () => {
    assert.match(problems({ PORT: 'eighty' }).join(), /PORT/);
    assert.match(problems({ DATABASE_URL: 'mysql://x' }).join(), /DATABASE_URL/);
    assert.match(problems({ JWT_ALGORITHM: 'none' }).join(), /JWT_ALGORITHM/);
    assert.match(problems({ ARGON2_MEMORY_KIB: '1024' }).join(), /ARGON2_MEMORY_KIB/);
    assert.match(problems({ RATE_LIMIT_ENABLED: 'maybe' }).join(), /RATE_LIMIT_ENABLED/);
    assert.match(problems({ ADMIN_EMAIL: 'a@b.co' }).join(), /ADMIN_PASSWORD/);
  });

  it('refuses production without the database, Redis and keys, naming each', () => {
    const list = problems({ NODE_ENV: 'production' }).join('\n');
    assert.match(list, /DATABASE_URL/);
    assert.match(list, /REDIS_URL/);
    assert.match(list, /JWT_PRIVATE_KEY/);
    assert.match(list, /DATA_ENCRYPTION_KEYS/);
    assert.match(list, /COOKIE_SECRET: required in production/);
    const hs = problems({
      NODE_ENV: 'production',
      JWT_ALGORITHM: 'HS256',
      DATABASE_URL: 'postgres://h/db',
      REDIS_URL: 'redis://h',
      DATA_ENCRYPTION_KEYS: DATA_KEY,
      COOKIE_SECRET: COOKIE,
    });
    assert.deepEqual(hs, ['JWT_SECRET: required in production for HS256']);
    assert.match(
      problems({
        NODE_ENV: 'production',
        JWT_ALGORITHM: 'HS256',
        JWT_SECRET: 'changeme',
        DATABASE_URL: 'postgres://h/db',
        REDIS_URL: 'redis://h',
        DATA_ENCRYPTION_KEYS: DATA_KEY,
        COOKIE_SECRET: COOKIE,
      }).join(),
      /placeholder|32 characters/,
    );
  });

  it('parses lists and booleans', () => {
    const config = loadConfig({
      KAFKA_BROKERS: 'a:1, b:2,,',
      ALLOWED_API_TOKENS: 'x',
      TRUST_PROXY: '10.0.0.0/8, fd00::/8,127.0.0.1',
      CORS_ORIGINS: '',
    });
    assert.deepEqual(config.kafka.brokers, ['a:1', 'b:2']);
    assert.deepEqual(config.serviceTokens, ['x']);
    assert.deepEqual(config.http.trustProxy, ['10.0.0.0/8', 'fd00::/8', '127.0.0.1']);
    assert.deepEqual(config.http.corsOrigins, []);
  });

  it('reads TRUST_PROXY as off, a hop count or proxy ranges, and refuses "trust everyone"', () => {
    const trust = (value?: string) => loadConfig(value === undefined ? {} : { TRUST_PROXY: value }).http.trustProxy;
    assert.equal(trust(), false);
    assert.equal(trust(''), false);
    assert.equal(trust('false'), false);
    assert.equal(trust('0'), false);
    assert.equal(trust('1'), 1);
    assert.equal(trust('2'), 2);
    assert.deepEqual(trust('loopback,uniquelocal'), ['loopback', 'uniquelocal']);
    assert.deepEqual(trust('192.168.0.0/16'), ['192.168.0.0/16']);
    for (const bad of [
      'true',
      'yes',
      '0.0.0.0/0',
      '::/0',
      '10.0.0.0/33',
      '10.0.0.0/x',
      'proxy.local',
      '33',
      '-1',
      '1.5',
      '10.0.0.0/8,*',
    ]) {
      assert.throws(() => loadConfig({ TRUST_PROXY: bad }), /TRUST_PROXY/, bad);
    }
  });

  it('bounds bodies to 16 KiB by default', () => {
    assert.equal(loadConfig({}).http.bodyLimit, 16 * 1024);
  });

  it('serves metrics on their own port, never the API port', () => {
    const config = loadConfig({ HOST: '10.0.0.5' });
    assert.deepEqual(config.metrics, { port: 9464, host: '10.0.0.5' });
    assert.equal(loadConfig({ METRICS_PORT: '0' }).metrics.port, 0);
    assert.match(problems({ PORT: '9000', METRICS_PORT: '9000' }).join(), /METRICS_PORT: must differ from PORT/);
    assert.deepEqual(problems({ PORT: '0', METRICS_PORT: '0' }), []);
  });

  it('logs mail links only when asked, and never in production', () => {
    assert.equal(loadConfig({}).log.mailLinks, false);
    assert.equal(loadConfig({ LOG_MAIL_LINKS: 'true' }).log.mailLinks, true);
    const prod = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://h/db',
      REDIS_URL: 'redis://h',
      JWT_PRIVATE_KEY: 'k',
      DATA_ENCRYPTION_KEYS: DATA_KEY,
      COOKIE_SECRET: COOKIE,
    };
    assert.deepEqual(problems(prod), []);
    assert.match(problems({ ...prod, LOG_MAIL_LINKS: 'true' }).join(), /LOG_MAIL_LINKS: not allowed in production/);
  });

  it('reads DATA_ENCRYPTION_KEYS as id:base64 pairs, the first active, and refuses malformed ones', () => {
    const second = `old:${Buffer.alloc(32, 7).toString('base64')}`;
    const keys = loadConfig({ DATA_ENCRYPTION_KEYS: `${DATA_KEY}, ${second}` }).dataEncryptionKeys ?? [];
    assert.deepEqual(
      keys.map((k) => [k.id, k.key.length]),
      [
        ['k1', 32],
        ['old', 32],
      ],
    );
    assert.equal(loadConfig({}).dataEncryptionKeys, undefined);
    assert.match(problems({ DATA_ENCRYPTION_KEYS: 'k1:c2hvcnQ=' }).join(), /DATA_ENCRYPTION_KEYS.*32 bytes/);
    assert.match(
      problems({ DATA_ENCRYPTION_KEYS: `bad id:${Buffer.alloc(32).toString('base64')}` }).join(),
      /id:base64/,
    );
    assert.match(problems({ DATA_ENCRYPTION_KEYS: `${DATA_KEY},${DATA_KEY}` }).join(), /appears twice/);
    assert.match(problems({ DATA_ENCRYPTION_KEYS: ',' }).join(), /no key given/);
  });
});
