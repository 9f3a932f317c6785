import type { FastifyInstance } from 'fastify';
import { AppException } from '../errors/app.exception.js';

interface ParametricPath {
  pattern: RegExp;
  methods: Set<string>;
}

/** `/api/v1/users/:id` -> /^\/api\/v1\/users\/[^/]+$/ (Fastify's parameters and wildcards). */
function patternOf(url: string): RegExp {
  const parts = url.split('/').map((segment) => {
    if (segment === '*') return '.*';
    if (segment.startsWith(':')) return '[^/]+';
    return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${parts.join('/')}$`);
}

const isParametric = (url: string): boolean => /[:*]/.test(url);

/**
 * A known path asked with a method it does not serve answers 405 COMMON_1405 with `Allow`
 * (RFC 9110 §15.5.6), not 404: the path exists. A static path is its own resource even where
 * a parametric route would also match it (`GET /api/v1/users/import` is not a user id: 405,
 * as only POST serves that path). Register before the routes are (app.init), since the routes
 * are learnt through Fastify's onRoute hook.
 */
export function registerMethodNotAllowed(fastify: FastifyInstance): void {
  const staticPaths = new Map<string, Set<string>>();
  const parametricPaths = new Map<string, ParametricPath>();
  fastify.addHook('onRoute', (route) => {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => m.toUpperCase());
    if (isParametric(route.url)) {
      const entry = parametricPaths.get(route.url) ?? { pattern: patternOf(route.url), methods: new Set<string>() };
      methods.forEach((m) => entry.methods.add(m));
      parametricPaths.set(route.url, entry);
    } else {
      const entry = staticPaths.get(route.url) ?? new Set<string>();
      methods.forEach((m) => entry.add(m));
      staticPaths.set(route.url, entry);
    }
  });

  const allowedFor = (path: string): Set<string> => {
    const own = staticPaths.get(path);
    if (own !== undefined) return own;
    const allowed = new Set<string>();
    for (const entry of parametricPaths.values()) {
      if (entry.pattern.test(path)) entry.methods.forEach((m) => allowed.add(m));
    }
    return allowed;
  };

  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url;
    // Matched a static route, or a parametric one on a path that no static route claims.
    if (!request.is404 && (route === undefined || !isParametric(route))) {
      done();
      return;
    }
    const path = request.url.split('?', 1)[0];
    if (!request.is404 && !staticPaths.has(path)) {
      done();
      return;
    }
    const allowed = allowedFor(path);
    if (allowed.size === 0 || allowed.has(request.method)) {
      done();
      return;
    }
    const methods = [...allowed].sort();
    done(new AppException('COMMON_1405', undefined, { allowed: methods }, { Allow: methods.join(', ') }));
  });
}
