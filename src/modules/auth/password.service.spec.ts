import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppException } from '#src/common/errors/app.exception.js';
import { loadConfig } from '#src/config/app-config.js';
import { PasswordService } from './password.service.js';

const META = { ip: '203.0.113.7', userAgent: null, requestId: 'r1' };

/** A PasswordService whose collaborators record what was asked of them; `owner` is the live token's user. */
function serviceWith(owner: string | null): { service: PasswordService; calls: string[] } {
  const calls: string[] = [];
  const stub =
    (name: string, value: unknown = undefined) =>
    () => {
      calls.push(name);
      return Promise.resolve(value);
    };
  const deps = {
    accounts: { passwordHashOf: stub('passwordHashOf', '$argon2id$current') },
    hasher: { hash: stub('hash', '$argon2id$fake') },
    policy: { assert: () => calls.push('policy') },
    history: { assertNotReused: stub('history') },
    sessions: {},
    oneTimeTokens: { liveOwnerOf: stub('liveOwnerOf', owner) },
    lockout: {},
    mail: {},
    events: {},
    audit: {},
    // The reset transaction itself is the e2e tests' business: stop there.
    transactions: { runForUser: () => Promise.reject(new Error(`${calls.push('transaction')}`)) },
    kv: {},
  };
  const args = Object.values(deps) as never[];
  const service = new (PasswordService as unknown as new (...a: unknown[]) => PasswordService)(...args, loadConfig({}));
  return { service, calls };
}

describe('password reset', () => {
  it('refuses an unknown, used or expired token with USER_1007 without hashing the new password', async () => {
    const { service, calls } = serviceWith(null);
    await assert.rejects(
      service.reset('not-a-live-token', 'Brand-New-Passw0rd', META),
      (error: unknown) => error instanceof AppException && error.code === 'USER_1007',
    );
    assert.deepEqual(calls, ['policy', 'liveOwnerOf'], 'the hasher was never called');
  });

  it('hashes only after the token was found live', async () => {
    const { service, calls } = serviceWith('f3c1e2d4-1111-4222-8333-944455556666');
    await assert.rejects(service.reset('a-live-token', 'Brand-New-Passw0rd', META));
    assert.deepEqual(calls, ['policy', 'liveOwnerOf', 'passwordHashOf', 'history', 'hash', 'transaction']);
  });
});
