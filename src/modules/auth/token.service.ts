import { type KeyObject, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { AppException } from '#src/common/errors/app.exception.js';
import { type CacheableBody, etagOf } from '#src/common/http/conditional-get.js';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import type { TokenResponseDto } from './dto/auth.dto.js';
import { loadSigningKeys, type SigningKeys } from './signing-keys.js';

export interface AccessClaims {
  sub: string;
  sid: string;
  role: string;
  email: string;
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
}

/** jsonwebtoken takes KeyObjects (parsed once); @nestjs/jwt's option types only name strings and Buffers. */
const asKey = (key: KeyObject): Buffer => key as unknown as Buffer;

const VERIFIED_CACHE_SIZE = 20_000;

function headerOf(token: string): { alg?: unknown; kid?: unknown } | null {
  const dot = token.indexOf('.');
  if (dot <= 0) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? parsed : null;
  } catch {
    return null;
  }
}

/** Signs and verifies access tokens. Only the configured algorithm per key is accepted. */
/**
 * How long consumers and shared caches may keep /.well-known/jwks.json without asking again
 * (then a conditional GET, answered 304 while the keys are the same): 5 minutes, a third of
 * the 15 minutes a rotation waits between publishing a new key and signing with it
 * (docs/operations.md §4), so any cache that honours it has the new key before a token uses it.
 */
export const JWKS_MAX_AGE_SECONDS = 300;

@Injectable()
export class TokenService {
  private readonly keys: SigningKeys;
  /**
   * Tokens already verified, by their exact bytes: a client sends the same access token for
   * up to 15 minutes, and ECDSA verification was the largest cost of a token-checked read
   * (22 % of CPU in a profile of GET /users/me). Only a byte-identical token hits, so a
   * signature is never trusted unverified; expiry is checked on every hit, and revocation
   * is the session check's job, which runs on every request regardless.
   */
  private readonly verified = new Map<string, AccessClaims>();
  private jwksCacheable: CacheableBody<{ keys: Record<string, unknown>[] }> | undefined;

  constructor(
    private readonly jwt: JwtService,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.keys = loadSigningKeys(config);
  }

  /** The keys themselves: the OpenID provider signs ID tokens with the same key. */
  get signingKeys(): SigningKeys {
    return this.keys;
  }

  get accessTtlSeconds(): number {
    return this.config.jwt.accessTtlSeconds;
  }

  jwks(): { keys: Record<string, unknown>[] } {
    return { keys: this.keys.jwks };
  }

  /** The JWKS as /.well-known/jwks.json serves it: with its ETag and how long it may be cached. */
  jwksDocument(): CacheableBody<{ keys: Record<string, unknown>[] }> {
    this.jwksCacheable ??= {
      body: this.jwks(),
      etag: etagOf(this.jwks()),
      cacheControl: `public, max-age=${JWKS_MAX_AGE_SECONDS}`,
    };
    return this.jwksCacheable;
  }

  /** The answer of a login or a refresh: an access token for the session, and its refresh token. */
  issue(
    user: { id: string; role: string; email: string },
    session: { id: string; refreshToken: string; expiresAt: Date },
  ): TokenResponseDto {
    return {
      access_token: this.sign({ sub: user.id, sid: session.id, role: user.role, email: user.email }),
      refresh_token: session.refreshToken,
      token_type: 'bearer',
      expires_in: this.config.jwt.accessTtlSeconds,
      refresh_expires_in: Math.max(0, Math.floor((session.expiresAt.getTime() - Date.now()) / 1000)),
    };
  }

  sign(claims: { sub: string; sid: string; role: string; email: string }): string {
    return this.jwt.sign(
      { ...claims, jti: randomUUID() },
      {
        algorithm: this.keys.algorithm,
        privateKey: asKey(this.keys.signingKey),
        secret: asKey(this.keys.signingKey),
        keyid: this.keys.kid,
        issuer: this.config.jwt.issuer,
        audience: this.config.jwt.audience,
        expiresIn: this.config.jwt.accessTtlSeconds,
      },
    );
  }

  /**
   * Verifies signature, algorithm, issuer, audience and expiry: USER_1005 when expired,
   * USER_1006 otherwise, also for a token without `exp`.
   */
  verify(token: string): AccessClaims {
    const cached = this.verified.get(token);
    if (cached !== undefined) {
      if (cached.exp * 1000 > Date.now()) return cached;
      this.verified.delete(token);
      throw new AppException('USER_1005');
    }
    const claims = this.verifySignature(token);
    if (this.verified.size >= VERIFIED_CACHE_SIZE) {
      // Maps iterate in insertion order: drop the oldest tenth.
      let drop = VERIFIED_CACHE_SIZE / 10;
      for (const key of this.verified.keys()) {
        this.verified.delete(key);
        if (--drop === 0) break;
      }
    }
    this.verified.set(token, claims);
    return claims;
  }

  private verifySignature(token: string): AccessClaims {
    const header = headerOf(token);
    const entry = typeof header?.kid === 'string' ? this.keys.verification.get(header.kid) : undefined;
    if (entry === undefined || header?.alg !== entry.algorithm) throw new AppException('USER_1006');
    let claims: AccessClaims;
    try {
      claims = this.jwt.verify<AccessClaims>(token, {
        algorithms: [entry.algorithm],
        publicKey: asKey(entry.key),
        secret: asKey(entry.key),
        issuer: this.config.jwt.acceptedIssuers as [string, ...string[]],
        audience: this.config.jwt.audience,
      });
    } catch (error) {
      if ((error as { name?: string }).name === 'TokenExpiredError') throw new AppException('USER_1005');
      throw new AppException('USER_1006');
    }
    // jsonwebtoken accepts a token without `exp` as never expiring: ours always carry one.
    if (
      typeof claims.sub !== 'string' ||
      typeof claims.sid !== 'string' ||
      typeof claims.jti !== 'string' ||
      typeof claims.exp !== 'number' ||
      !Number.isFinite(claims.exp)
    ) {
      throw new AppException('USER_1006');
    }
    return claims;
  }
}
