import { type ExecutionContext, Injectable } from '@nestjs/common';
import { normalizeIp, ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { AppException } from '#src/common/errors/app.exception.js';
import { clientIp } from '#src/common/http/client-ip.js';

/** IPv6 clients are counted per /64: one host usually holds the whole prefix. */
const IPV6_PREFIX = 64;

/**
 * The rate-limit key of a client address: the IPv4 address (an IPv4-mapped IPv6 address
 * counts as IPv4), or the IPv6 /64 prefix.
 */
export function clientTracker(ip: string): string {
  return normalizeIp(ip, IPV6_PREFIX);
}

/**
 * @nestjs/throttler's guard with the error body of contract §1 (429 COMMON_1029 and Retry-After), and
 * named buckets shared across routes: every route under `@RateLimit('login')` draws on one
 * per-client budget, and so does every route under `@RateLimit('register')`. The `default`
 * limit stays per route.
 */
@Injectable()
export class AppThrottlerGuard extends ThrottlerGuard {
  /**
   * The client as TRUST_PROXY lets Fastify see it, through clientIp(): a forwarded entry
   * that is not an address falls back to the peer, so made-up X-Forwarded-For values
   * cannot open a fresh bucket each.
   */
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    return Promise.resolve(clientTracker(clientIp(req as unknown as FastifyRequest)));
  }

  protected override generateKey(context: ExecutionContext, tracker: string, name: string): string {
    return name === 'default' ? super.generateKey(context, tracker, name) : `bucket:${name}:${tracker}`;
  }

  protected override throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const seconds = Math.max(1, detail.timeToBlockExpire);
    throw new AppException(
      'COMMON_1029',
      undefined,
      { retry_after_seconds: seconds },
      { 'Retry-After': String(seconds) },
    );
  }
}
