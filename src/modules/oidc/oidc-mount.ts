import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { OidcProviderService } from './oidc-provider.service.js';

/**
 * Mounts oidc-provider (a Koa app) at the issuer's path inside Fastify: one wildcard route whose
 * onRequest hook hijacks the reply before any body parser runs, and hands the raw request to
 * the provider (which reads its own bodies, bounded at 56 KiB). The root discovery document
 * (`/.well-known/openid-configuration`) is the provider's own, for clients that look there.
 * The interaction pages (`<mount>/interaction/:uid…`) are Nest routes of the pages module: the
 * router prefers them to this wildcard.
 */
export function mountOidc(
  fastify: FastifyInstance,
  oidc: OidcProviderService,
  jwks: () => { keys: Record<string, unknown>[] },
): void {
  const callback = oidc.provider.callback();
  const issuer = new URL(oidc.provider.issuer);
  const mount = oidc.mountPath;

  const toProvider = (request: FastifyRequest, res: ServerResponse, path: string): void => {
    const req = request.raw as IncomingMessage & { originalUrl?: string };
    const query = req.url?.includes('?') === true ? req.url.slice(req.url.indexOf('?')) : '';
    req.originalUrl = `${mount}${path}${query}`;
    req.url = `${path}${query}`;
    // URLs the provider builds come from the issuer, whatever Host or X-Forwarded-* the client sent.
    req.headers['x-forwarded-proto'] = issuer.protocol.slice(0, -1);
    req.headers['x-forwarded-host'] = issuer.host;
    delete req.headers['x-forwarded-port'];
    void callback(req, res);
  };

  fastify.route({
    method: ['GET', 'POST', 'HEAD', 'OPTIONS', 'DELETE', 'PUT'],
    url: `${mount}/*`,
    onRequest: (request, reply, done) => {
      void reply.hijack();
      const path = (request.raw.url ?? '').split('?')[0]?.slice(mount.length) ?? '';
      if (path === '/jwks' && request.method === 'GET') {
        // Our JWKS: the current key and the previous ones (oidc-provider's would list only the signing key).
        send(reply.raw, JSON.stringify(jwks()));
      } else {
        toProvider(request, reply.raw, path);
      }
      done();
    },
    handler: () => undefined,
  });
  fastify.route({
    method: ['GET', 'HEAD'],
    url: '/.well-known/openid-configuration',
    onRequest: (request, reply, done) => {
      void reply.hijack();
      toProvider(request, reply.raw, '/.well-known/openid-configuration');
      done();
    },
    handler: () => undefined,
  });
}

const send = (res: ServerResponse, body: string): void => {
  res.writeHead(200, {
    'content-type': 'application/json',
    'cache-control': 'public, max-age=300',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
};
