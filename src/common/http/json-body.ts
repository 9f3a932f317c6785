import { applyDecorators } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppException } from '../errors/app.exception.js';
import { DEFAULT_BODY_SHAPE, jsonShapeViolation, type BodyShapeLimits } from './body-shape.js';

/** A route's own bounds on its JSON body, where the defaults are too small for it. */
export interface BodyBounds extends Partial<BodyShapeLimits> {
  /** Bytes; the larger of this and BODY_LIMIT_BYTES applies to the route. */
  limitBytes?: number;
}

const BOUNDS_KEY = 'bodyBounds';

/**
 * Gives one route a larger body than the global BODY_LIMIT_BYTES and its shape bounds (the
 * admin import). Fastify reads the byte limit per route; the decorator carries it in the
 * route's config, and the onRoute hook of registerJsonBody moves it into place.
 */
export const BodyBounds = (bounds: BodyBounds): MethodDecorator =>
  applyDecorators(RouteConfig({ [BOUNDS_KEY]: bounds }));

function boundsOf(config: unknown): BodyBounds | undefined {
  return (config as Record<string, BodyBounds | undefined> | undefined)?.[BOUNDS_KEY];
}

function shapeLimitsOf(request: FastifyRequest): BodyShapeLimits {
  const own = boundsOf(request.routeOptions.config);
  return {
    maxKeys: own?.maxKeys ?? DEFAULT_BODY_SHAPE.maxKeys,
    maxValues: own?.maxValues ?? DEFAULT_BODY_SHAPE.maxValues,
  };
}

/**
 * The one JSON parser of the service: the shape bounds on the text, then Fastify's own parser
 * (prototype poisoning refused), so a body too wide for the route is refused with 400
 * COMMON_1000 before it is parsed and long before Nest's pipes see it. Only JSON is parsed:
 * the application is created with `bodyParser: false`, so form-encoded bodies, like every
 * other type, get 415. An empty body is taken as none. Call before app.init (routes are learnt through onRoute).
 */
export function registerJsonBody(fastify: FastifyInstance, defaultLimitBytes: number): void {
  fastify.addHook('onRoute', (route) => {
    const limit = boundsOf(route.config)?.limitBytes;
    if (limit !== undefined) route.bodyLimit = Math.max(limit, defaultLimitBytes);
  });
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    // An empty body is no body, whatever its Content-Type says (clients and generated SDKs
    // send `Content-Type: application/json` on bodiless POSTs such as logout). Fastify's parser
    // would refuse it with 400; here the route decides: one without a body ignores it, and on
    // one with a required body the validation pipe answers 400 COMMON_1000 naming the fields.
    if (text.length === 0) {
      done(null, undefined);
      return;
    }
    const violation = jsonShapeViolation(text, shapeLimitsOf(request));
    if (violation !== null) {
      done(new AppException('COMMON_1000', 'Validation failed', [{ field: '(body)', errors: [violation] }]), undefined);
      return;
    }
    void parseJson(request, text, done);
  });
}
