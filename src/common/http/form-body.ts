import { applyDecorators } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppException } from '../errors/app.exception.js';

const FORM_KEY = 'formBody';

/** The largest form a hosted page posts is well under 1 KiB; 8 KiB leaves room and bounds the parse. */
const FORM_BODY_LIMIT_BYTES = 8 * 1024;

/** Fields of a form: a page's forms have a handful. */
const FORM_MAX_FIELDS = 32;

/**
 * Marks a route (a hosted page's POST) as taking `application/x-www-form-urlencoded`; every
 * other route keeps answering such bodies 415, as before.
 */
export const FormBody = (): MethodDecorator => applyDecorators(RouteConfig({ [FORM_KEY]: true }));

const acceptsForm = (request: FastifyRequest): boolean =>
  (request.routeOptions.config as unknown as Record<string, unknown> | undefined)?.[FORM_KEY] === true;

const malformed = (reason: string): AppException =>
  new AppException('COMMON_1000', 'Validation failed', [{ field: '(body)', errors: [reason] }]);

/**
 * Parses a form body into a plain object of strings (URLSearchParams, the platform's own
 * parser: no extra dependency), bounded in bytes and fields; a repeated field is refused,
 * so a form value is always one string. Routes without FormBody() answer 415.
 */
export function parseForm(text: string): Record<string, string> {
  const params = new URLSearchParams(text);
  const fields: [string, string][] = [];
  const seen = new Set<string>();
  for (const [name, value] of params) {
    if (seen.has(name)) throw malformed(`field ${name.slice(0, 64)} repeated`);
    seen.add(name);
    fields.push([name, value]);
    if (fields.length > FORM_MAX_FIELDS) throw malformed(`more than ${FORM_MAX_FIELDS} fields`);
  }
  // fromEntries defines own properties: a field named __proto__ is a field, not a prototype.
  return Object.fromEntries(fields);
}

/**
 * A form body the parser refused, handed on as the body instead of failing the request in
 * Fastify: the page route's own guard throws it (assertFormBody), so the refusal is answered
 * by the route's error handling (an HTML page) with the same code and status.
 */
class RejectedForm {
  constructor(readonly error: AppException) {}
}

/** Throws the parser's refusal of this request's form body, if any. */
export function assertFormBody(body: unknown): void {
  if (body instanceof RejectedForm) throw body.error;
}

/**
 * Registers the form parser (call before app.init). Fastify reads at most `maxBytes` (the
 * global BODY_LIMIT_BYTES: larger bodies are refused while streaming, 413 as everywhere);
 * a form over FORM_BODY_LIMIT_BYTES or malformed becomes a RejectedForm.
 */
export function registerFormBody(fastify: FastifyInstance, maxBytes: number): void {
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: Math.max(maxBytes, FORM_BODY_LIMIT_BYTES) },
    (request, body, done) => {
      if (!acceptsForm(request)) {
        done(new AppException('COMMON_1415'), undefined);
        return;
      }
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (Buffer.byteLength(text) > FORM_BODY_LIMIT_BYTES) {
        done(null, new RejectedForm(new AppException('COMMON_1413')));
        return;
      }
      try {
        done(null, parseForm(text));
      } catch (error) {
        done(null, new RejectedForm(error as AppException));
      }
    },
  );
}
