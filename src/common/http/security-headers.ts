import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet, { type HelmetOptions } from 'helmet';

/** Every method a route of this API answers: CORS preflights must allow them all. */
const API_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** Headers a browser client may read from a cross-origin answer. */
const EXPOSED_HEADERS = ['x-request-id', 'retry-after', 'allow'];

/**
 * Helmet's headers, with a CSP Swagger UI (/docs) works under: its scripts are files of this
 * origin; its page and React components use inline styles; its icons are data: URIs.
 * Nothing may frame the service. HSTS is sent on every answer (browsers honour it over HTTPS
 * only, where the ingress terminates TLS).
 */
export const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      'default-src': ["'self'"],
      'base-uri': ["'self'"],
      'connect-src': ["'self'"],
      'font-src': ["'self'", 'data:'],
      'form-action': ["'self'"],
      'frame-ancestors': ["'none'"],
      'img-src': ["'self'", 'data:'],
      'object-src': ["'none'"],
      'script-src': ["'self'"],
      'script-src-attr': ["'none'"],
      'style-src': ["'self'", "'unsafe-inline'"],
    },
  },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
};

/**
 * Security headers on every answer (errors, 404s and 405s included), CORS for the configured
 * origins with every method of the API, and `Cache-Control: no-store` on every answer that
 * does not set its own: tokens (login, refresh) and personal data must not be kept by a
 * browser or a shared cache. Call before app.init.
 */
export function registerSecurityHeaders(app: NestFastifyApplication, corsOrigins: string[]): void {
  // No-store first: a route that sets its own Cache-Control later replaces it.
  const headers = { 'cache-control': 'no-store', ...helmetHeaders(HELMET_OPTIONS) };
  // One object set per request, in one hook: Helmet's own middleware rebuilt the same
  // headers on every request, which cost ~40 % of a bare route's throughput here
  // (docs/decisions.md).
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (_request, reply, done) => {
      void reply.headers(headers);
      done();
    });
  if (corsOrigins.length > 0) {
    app.enableCors({
      origin: corsOrigins,
      credentials: true,
      methods: [...API_METHODS],
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 600,
    });
  }
}

/**
 * The headers Helmet sets for `options`, computed once: they depend on the options only,
 * never on the request (no CSP nonce is used), so Helmet's middleware is run against a
 * response that records what it is given.
 */
export function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: number | string | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
      return recorder;
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: Error | undefined;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error !== undefined) failure = error instanceof Error ? error : new Error('Helmet refused its options');
  });
  if (failure !== undefined) throw failure;
  return headers;
}
