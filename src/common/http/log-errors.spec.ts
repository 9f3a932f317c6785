import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { QueryFailedError } from 'typeorm';
import { redactMessage, serializeError } from './log-errors.js';

const EMAIL = 'victim@example.com';
const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';
const TOKEN_HASH = 'b5d4045c3f466fa91fe2cc6abe79232a1a57cdf104f7a26e716e0a1e2789df78';

/** What PostgreSQL (node-postgres) puts on a failed INSERT into users. */
function checkViolation(): QueryFailedError {
  const driverError = Object.assign(new Error('new row for relation "users" violates check constraint "ck_boom"'), {
    code: '23514',
    severity: 'ERROR',
    detail: `Failing row contains (0190, ${EMAIL}, ${HASH}, f, t).`,
    where: `SQL statement "INSERT ... VALUES ('${EMAIL}')"`,
    schema: 'public',
    table: 'users',
    constraint: 'ck_boom',
    internalQuery: `SELECT '${TOKEN_HASH}'`,
  });
  return new QueryFailedError(
    `INSERT INTO "users"("email", "password_hash") VALUES ($1, $2) -- '${EMAIL}'`,
    [EMAIL, HASH, TOKEN_HASH],
    driverError,
  );
}

function logged(err: unknown): string {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  pino({ serializers: { err: serializeError } }, sink).error({ err }, 'unexpected error');
  return text;
}

describe('error log serializer', () => {
  it('logs a failed statement without its parameters, row detail or literals', () => {
    const text = logged(checkViolation());
    for (const value of [EMAIL, HASH, TOKEN_HASH, 'Failing row']) assert.ok(!text.includes(value), value);
    const entry = JSON.parse(text) as { err: Record<string, unknown> };
    assert.equal(entry.err.type, 'QueryFailedError');
    assert.equal(entry.err.code, '23514');
    assert.equal(entry.err.constraint, 'ck_boom');
    assert.equal(entry.err.table, 'users');
    assert.match(String(entry.err.query), /^INSERT INTO "users"\("email", "password_hash"\) VALUES \(\$1, \$2\)/);
    assert.equal(entry.err.parameters, undefined);
    assert.equal((entry.err.driverError as Record<string, unknown>).code, '23514');
    assert.match(String(entry.err.stack), /QueryFailedError: new row for relation "users"/);
  });

  it('replaces quoted input in messages, keeps quoted names', () => {
    assert.equal(
      redactMessage('invalid input syntax for type uuid: "not-a-uuid-secret"'),
      'invalid input syntax for type uuid: "[redacted]"',
    );
    assert.equal(redactMessage('relation "users" does not exist'), 'relation "users" does not exist');
    assert.equal(redactMessage(`Key (email)=(${EMAIL}) already exists.`), 'Key (email)=([redacted]) already exists.');
    assert.equal(
      redactMessage(`Could not find any entity of type "User" matching: {\n  "email": "${EMAIL}"\n}`),
      'Could not find any entity of type "User" matching: [redacted]',
    );
  });

  it('drops free-form properties of any error (an ioredis command and its arguments)', () => {
    const redis = Object.assign(new Error('READONLY You cannot write against a read only replica.'), {
      command: { name: 'set', args: [`us:lock:${EMAIL}`, TOKEN_HASH] },
      retries: 3,
    });
    const text = logged(new Error('lockout failed', { cause: redis }));
    assert.ok(!text.includes(EMAIL) && !text.includes(TOKEN_HASH), text);
    const entry = JSON.parse(text) as { err: { cause: Record<string, unknown> } };
    assert.equal(entry.err.cause.retries, 3);
    assert.match(String(entry.err.cause.message), /READONLY/);
  });
});
