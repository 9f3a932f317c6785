import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { TrustProxy } from '#src/config/app-config.js';

/** Fastify's `trustProxy` option, with addresses as FastifyRequest['ip'] expects them. */
export type TrustProxyOption = false | string[] | ((address: string, hop: number) => boolean);

/**
 * The option to give Fastify. A hop count becomes a function: this Fastify treats a bare
 * number as "trust no proxy" (it cannot check who the nearest peer is), so the count is
 * spelled out as proxy-addr's `(address, hop) => hop < count`.
 */
export function trustProxyOption(setting: TrustProxy): TrustProxyOption {
  if (typeof setting !== 'number') return setting;
  const hops = setting;
  return (_address, hop) => hop < hops;
}

/**
 * The client's address: Fastify's `request.ip` (X-Forwarded-For as far as TRUST_PROXY trusts
 * it) when that is an IP address, else the socket's peer. A trusted proxy chain can still
 * carry a forwarded entry that is not an address ("unknown", "garbage", an obfuscated RFC 7239
 * node); stored in an `inet` column that would be a 500.
 */
export function clientIp(request: Pick<FastifyRequest, 'ip' | 'socket'>): string {
  const forwarded = request.ip;
  if (typeof forwarded === 'string' && isIP(forwarded) !== 0) return forwarded;
  return request.socket.remoteAddress ?? '0.0.0.0';
}
