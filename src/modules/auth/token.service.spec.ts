import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import { JwtService } from '@nestjs/jwt';
import { AppException } from '#src/common/errors/app.exception.js';
import { loadConfig } from '#src/config/app-config.js';
import { TokenService } from './token.service.js';

const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const service = new TokenService(new JwtService({}), loadConfig({ JWT_PRIVATE_KEY: pem }));
const kid = (service.jwks().keys[0] as { kid: string }).kid;

function forge(payload: Record<string, unknown>): string {
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64({ alg: 'ES256', typ: 'JWT', kid })}.${b64(payload)}`;
  const sig = sign('sha256', Buffer.from(input), { key: createPrivateKey(pem), dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return error instanceof AppException ? error.code : 'other';
  }
  return undefined;
};

describe('token service', () => {
  it('keeps verifying tokens of the former default issuer, and only of the configured one when JWT_ISSUER is set', () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      sub: 'u',
      sid: 's',
      jti: 'j',
      role: 'user',
      email: 'e',
      aud: 'user-service',
      iat: now,
      exp: now + 60,
    };
    assert.equal(service.verify(forge({ ...claims, iss: 'user-service' })).sub, 'u');
    assert.equal(
      codeOf(() => service.verify(forge({ ...claims, iss: 'someone-else' }))),
      'USER_1006',
    );
    const pinned = new TokenService(new JwtService({}), loadConfig({ JWT_PRIVATE_KEY: pem, JWT_ISSUER: 'pinned' }));
    assert.equal(pinned.verify(pinned.sign({ sub: 'u', sid: 's', role: 'user', email: 'e' })).iss, 'pinned');
    assert.equal(
      codeOf(() => pinned.verify(forge({ ...claims, iss: 'user-service', jti: 'k' }))),
      'USER_1006',
    );
  });

  it('signs tokens it verifies, with every claim', () => {
    const token = service.sign({ sub: 'u1', sid: 's1', role: 'user', email: 'a@b.co' });
    const claims = service.verify(token);
    assert.equal(claims.sub, 'u1');
    assert.equal(claims.sid, 's1');
    // JWT_ISSUER unset: the OpenID issuer URL (PUBLIC_URL + /oidc), the same `iss` as ID tokens.
    assert.equal(claims.iss, 'http://localhost:8000/oidc');
    assert.equal(claims.aud, 'user-service');
    assert.ok(claims.exp - claims.iat === 900);
    assert.ok(createPublicKey(pem));
  });

  it('refuses a cached token once it expires, and never lets a cached token vouch for other bytes', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = forge({
      sub: 'u',
      sid: 's',
      jti: 'j',
      role: 'user',
      email: 'e',
      iss: 'user-service',
      aud: 'user-service',
      iat: now,
      exp: now + 1,
    });
    assert.equal(service.verify(token).sub, 'u');
    const [h, p, s] = token.split('.') as [string, string, string];
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), role: 'admin' })).toString('base64url')}.${s}`;
    assert.equal(
      codeOf(() => service.verify(tampered)),
      'USER_1006',
    );
    await new Promise((r) => setTimeout(r, 1100 + (1000 - (Date.now() % 1000))));
    assert.equal(
      codeOf(() => service.verify(token)),
      'USER_1005',
    );
  });

  it('refuses a well-signed token without exp (jsonwebtoken would take it as never expiring), also when asked twice', () => {
    const claims = {
      sub: 'u',
      sid: 's',
      jti: 'j2',
      role: 'user',
      email: 'e',
      iss: 'user-service',
      aud: 'user-service',
    };
    const now = Math.floor(Date.now() / 1000);
    for (const token of [forge({ ...claims, iat: now }), forge(claims), forge({ ...claims, exp: 'never' })]) {
      assert.equal(
        codeOf(() => service.verify(token)),
        'USER_1006',
      );
      assert.equal(
        codeOf(() => service.verify(token)),
        'USER_1006',
        'a refused token is not cached',
      );
    }
  });

  it('signs with every configured algorithm in a form jsonwebtoken verifies (ES256, RS256, HS256)', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const configs = [
      loadConfig({ JWT_PRIVATE_KEY: pem }),
      loadConfig({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY: rsa }),
      loadConfig({ JWT_ALGORITHM: 'HS256', JWT_SECRET: 'a-secret-of-at-least-thirty-two-chars!' }),
    ];
    for (const config of configs) {
      const tokens = new TokenService(new JwtService({}), config);
      const token = tokens.sign({ sub: 'u1', sid: 's1', role: 'admin', email: 'a@b.co' });
      const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as Record<
        string,
        unknown
      >;
      assert.equal(header.alg, config.jwt.algorithm);
      assert.equal(header.typ, 'JWT');
      assert.equal(typeof header.kid, 'string');
      const claims = tokens.verify(token);
      assert.deepEqual([claims.sub, claims.sid, claims.role, claims.email], ['u1', 's1', 'admin', 'a@b.co']);
      // A changed signature character is refused: the library checked the signature, not the cache.
      // The second-to-last character is changed (the last one may carry only padding bits), and
      // always to a different one: choosing by the last character left it unchanged 1 time in 64.
      const changed = token.at(-2) === 'A' ? 'B' : 'A';
      const tampered = `${token.slice(0, -2)}${changed}${token.slice(-1)}`;
      assert.notEqual(tampered, token);
      assert.equal(
        codeOf(() => tokens.verify(tampered)),
        'USER_1006',
      );
    }
  });
});
