import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';

/** A body served with a validator and a cache lifetime (RFC 9110 §8.8.3, RFC 9111 §5.2). */
export interface CacheableBody<T> {
  body: T;
  /** A strong entity tag, quoted: `"…"`. */
  etag: string;
  cacheControl: string;
}

/** A strong ETag from the JSON of the body: the same body gives the same tag on every pod. */
export function etagOf(body: unknown): string {
  return `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 32)}"`;
}

/**
 * Whether an `If-None-Match` header matches the tag (RFC 9110 §13.1.2: `*`, or a
 * comma-separated list compared weakly, so `W/"x"` matches `"x"`).
 */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const bare = (tag: string): string => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}

/** Sends the body with its ETag and Cache-Control, or 304 without a body when the client's copy is current. */
export function sendCacheable<T>(
  reply: FastifyReply,
  ifNoneMatch: string | undefined,
  cacheable: CacheableBody<T>,
): void {
  void reply.header('etag', cacheable.etag).header('cache-control', cacheable.cacheControl);
  if (ifNoneMatchHits(ifNoneMatch, cacheable.etag)) {
    void reply.status(304).send();
    return;
  }
  void reply.status(200).send(cacheable.body);
}
