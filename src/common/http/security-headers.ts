import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';

/** Every method a route of this API answers: CORS preflights must allow them all. */
export const API_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** Headers a browser client may read from a cross-origin answer. */
const EXPOSED_HEADERS = ['x-request-id', 'retry-after', 'allow'];

/**
 * Helmet's headers, with a CSP Swagger UI (/docs) works under: its scripts are files of this
 * origin; its page and React components use inline styles; its icons are data: URIs.
 * Nothing may frame the service. HSTS is sent on every answer (browsers honour it over HTTPS
 * only, where the ingress terminates TLS).
 */
export const HELMET_OPTIONS: FastifyHelmetOptions = {
  global: true,
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
export async function registerSecurityHeaders(app: NestFastifyApplication, corsOrigins: string[]): Promise<void> {
  await app.register(helmet, HELMET_OPTIONS);
  if (corsOrigins.length > 0) {
    app.enableCors({
      origin: corsOrigins,
      credentials: true,
      methods: [...API_METHODS],
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 600,
    });
  }
  registerNoStore(app.getHttpAdapter().getInstance());
}

function registerNoStore(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    done(null, payload);
  });
}
