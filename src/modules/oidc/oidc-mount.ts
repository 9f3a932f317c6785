import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RequestMeta } from '#src/common/decorators/auth.decorators.js';
import { mapError } from '#src/common/errors/error-mapper.js';
import type { OidcInteractionService, InteractionOutcome, InteractionView } from './oidc-interaction.service.js';
import type { OidcProviderService } from './oidc-provider.service.js';

/** Form bodies of the interaction pages: a few short fields. */
const FORM_LIMIT_BYTES = 8 * 1024;
const INTERACTION = /^\/interaction\/([A-Za-z0-9_-]{1,64})(?:\/(login|mfa|consent))?$/;

/**
 * Mounts oidc-provider (a Koa app) at the issuer's path inside Fastify: one wildcard route whose
 * onRequest hook hijacks the reply before any body parser runs, and hands the raw request to
 * the provider (which reads its own bodies, bounded at 56 KiB). The root discovery document
 * (`/.well-known/openid-configuration`) is the provider's own, for clients that look there.
 * Interactions (`<mount>/interaction/:uid`) are answered here from OidcInteractionService.
 */
export function mountOidc(
  fastify: FastifyInstance,
  oidc: OidcProviderService,
  interactions: OidcInteractionService,
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
      const interaction = INTERACTION.exec(path);
      if (interaction !== null) {
        void answerInteraction(request, reply.raw, interactions, mount, interaction[1], interaction[2]);
      } else if (path === '/jwks' && request.method === 'GET') {
        // Our JWKS: the current key and the previous ones (oidc-provider's would list only the signing key).
        send(reply.raw, 200, 'application/json', JSON.stringify(jwks()), { 'cache-control': 'public, max-age=300' });
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

function metaOf(request: FastifyRequest): RequestMeta {
  const ua = request.headers['user-agent'];
  return { ip: request.ip, userAgent: ua === undefined ? null : ua.slice(0, 512), requestId: String(request.id) };
}

async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded')
    throw new FormError(415, 'Send the form (application/x-www-form-urlencoded)');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > FORM_LIMIT_BYTES) throw new FormError(413, 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  const parsed = parseQuery(Buffer.concat(chunks).toString('utf8'));
  const form: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) if (typeof value === 'string') form[key] = value;
  return form;
}

class FormError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function answerInteraction(
  request: FastifyRequest,
  res: ServerResponse,
  interactions: OidcInteractionService,
  mount: string,
  uid: string,
  step: string | undefined,
): Promise<void> {
  const req = request.raw;
  let view: InteractionView | undefined;
  try {
    view = await interactions.details(req, res);
    if (view.uid !== uid) throw new FormError(400, 'Sign-in interaction unknown or expired');
    if (request.method === 'GET' && step === undefined) {
      send(res, 200, 'text/html; charset=utf-8', page(mount, view, null));
      return;
    }
    if (request.method !== 'POST' || step === undefined) throw new FormError(405, 'Method not allowed');
    const form = await readForm(req);
    let outcome: InteractionOutcome;
    if (step === 'login') {
      outcome = await interactions.signIn(
        req,
        res,
        { email: form.email ?? '', password: form.password ?? '' },
        metaOf(request),
      );
    } else if (step === 'mfa') {
      const input = form.recovery_code ? { recovery_code: form.recovery_code } : { code: form.code ?? '' };
      outcome = await interactions.secondFactor(req, res, input, metaOf(request));
    } else {
      outcome = await interactions.consent(req, res, form.decision === 'approve');
    }
    if (outcome.kind === 'redirect') {
      send(res, 303, 'text/plain; charset=utf-8', '', { location: outcome.to });
    } else {
      send(res, 200, 'text/html; charset=utf-8', page(mount, { ...view, mfaPending: true }, null));
    }
  } catch (error) {
    const { status, message } =
      error instanceof FormError ? { status: error.status, message: error.message } : statusOf(error);
    if (view === undefined) send(res, status, 'text/html; charset=utf-8', errorPage(message));
    else send(res, status, 'text/html; charset=utf-8', page(mount, view, message));
  }
}

function statusOf(error: unknown): { status: number; message: string } {
  const mapped = mapError(error);
  return { status: mapped.status, message: mapped.message };
}

const HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  // No form-action: browsers apply it to the redirect chain after the POST (to the RP's origin).
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
};

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  extra: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.writeHead(status, { ...HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** The bare forms of the interaction steps (the hosted pages of issue 17 replace them). */
function page(mount: string, view: InteractionView, error: string | null): string {
  const action = `${mount}/interaction/${encodeURIComponent(view.uid)}`;
  const alert = error === null ? '' : `<p role="alert">${escapeHtml(error)}</p>`;
  const client = escapeHtml(view.client.name);
  let body: string;
  if (view.prompt === 'consent') {
    body = `<h1>Allow ${client}?</h1><p>It asks for: ${view.scopes.map(escapeHtml).join(', ')}</p>
<form method="post" action="${action}/consent"><button name="decision" value="approve">Allow</button>
<button name="decision" value="deny">Deny</button></form>`;
  } else if (view.mfaPending) {
    body = `<h1>Second factor</h1><form method="post" action="${action}/mfa">
<label>Code <input name="code" autocomplete="one-time-code" inputmode="numeric"></label>
<label>or a recovery code <input name="recovery_code"></label><button>Continue</button></form>`;
  } else {
    body = `<h1>Sign in to ${client}</h1><form method="post" action="${action}/login">
<label>Email <input name="email" type="email" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button>Sign in</button></form>`;
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head><body>${alert}${body}</body></html>`;
}

function errorPage(message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head><body><p role="alert">${escapeHtml(message)}</p></body></html>`;
}
