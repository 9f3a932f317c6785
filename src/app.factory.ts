import fastifyCookie from '@fastify/cookie';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { clientErrorHandler, frameworkErrors } from './common/http/client-error.js';
import { RequestLogController, rootLogger } from './common/http/logging.js';
import { requestIdOf } from './common/http/request-id.js';
import { activeTraceparent } from './common/tracing/trace-context.js';
import { InFlightInterceptor } from './common/http/in-flight.interceptor.js';
import { UntrustedInputPipe } from './common/http/untrusted-input.pipe.js';
import { registerJsonBody } from './common/http/json-body.js';
import { registerFormBody } from './common/http/form-body.js';
import { resolveCookieSecrets } from './crypto/cookie-secrets.js';
import { trustProxyOption } from './common/http/client-ip.js';
import { registerSecurityHeaders } from './common/http/security-headers.js';
import { registerMethodNotAllowed } from './common/http/method-not-allowed.js';
import { createValidationPipe } from './common/http/validation.pipe.js';
import { collectRouteFacts, finalizeOpenApi } from './common/http/openapi.js';
import type { AppConfig } from './config/app-config.js';
import { EmbeddedDatabase } from './database/embedded-database.js';
import { registerHttpMetrics } from './metrics/http-metrics.hook.js';
import { type MetricsAddress, MetricsServer } from './metrics/metrics-server.js';
import { HealthService } from './modules/health/health.service.js';
import { AdminBootstrapService } from './modules/users/admin-bootstrap.service.js';
import { TokenService } from './modules/auth/token.service.js';
import { mountOidc } from './modules/oidc/oidc-mount.js';
import { OidcProviderService } from './modules/oidc/oidc-provider.service.js';
import { type PasswordPolicy, passwordSchema } from './modules/auth/passwords/password.policy.js';

export interface RunningApp {
  app: NestFastifyApplication;
  /** Where the Prometheus listener (METRICS_PORT) is bound; the API port never serves metrics. */
  metrics: MetricsAddress;
  /** Closes the app, then the embedded database if there is one. */
  close(): Promise<void>;
}

/** Embedded mode serialises statements in PGlite: a small pool is all it can use. */
const EMBEDDED_POOL = 4;

/**
 * Builds the whole service (used by main.ts and by the e2e tests) and starts its metrics
 * listener; the API itself does not listen until the caller says where.
 */
export async function createApp(config: AppConfig): Promise<RunningApp> {
  const embedded =
    config.database.url === undefined ? await EmbeddedDatabase.start(config.dataDir, EMBEDDED_POOL + 2) : undefined;
  const database = {
    url: config.database.url ?? (embedded as EmbeddedDatabase).url,
    poolSize: embedded === undefined ? config.database.poolSize : EMBEDDED_POOL,
    statementTimeoutMs: config.database.statementTimeoutMs,
    embedded: embedded !== undefined,
  };
  const logger = rootLogger(config.log.level);
  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimit,
    trustProxy: trustProxyOption(config.http.trustProxy),
    genReqId: requestIdOf,
    loggerInstance: logger,
    logController: new RequestLogController({ requestIdLogLabel: 'request_id' }),
    routerOptions: { maxParamLength: 256 },
    clientErrorHandler,
    frameworkErrors,
  });
  // Runs before Nest middleware, which sees only the raw request: nestjs-pino's binding
  // middleware finds the request's logger there. The request id is echoed on every answer,
  // and so is the request's trace (W3C `traceparent`) when tracing is on.
  adapter.setOnRequestHook((request, reply, done) => {
    (request.raw as { log?: unknown }).log = request.log;
    void reply.header('x-request-id', request.id);
    const traceparent = activeTraceparent();
    if (traceparent !== undefined) void reply.header('traceparent', traceparent);
    done();
  });
  let app: NestFastifyApplication;
  try {
    app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, database, logger), adapter, {
      bufferLogs: true,
      abortOnError: false,
      // JSON only, through registerJsonBody: Nest's parsers would also read form bodies.
      bodyParser: false,
    });
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(new UntrustedInputPipe(), createValidationPipe());
  const inFlight = new InFlightInterceptor();
  app.useGlobalInterceptors(inFlight);
  registerSecurityHeaders(app, config.http.corsOrigins);

  const fastify = app.getHttpAdapter().getInstance();
  // JSON only (anything else is 415), bounded in size and shape before any pipe runs.
  registerJsonBody(fastify, config.http.bodyLimit);
  // The hosted pages: form bodies on their routes only, signed cookies (page session, CSRF).
  registerFormBody(fastify, config.http.bodyLimit);
  await app.register(fastifyCookie, { secret: resolveCookieSecrets(config), hook: 'onRequest' });
  registerHttpMetrics(fastify);
  registerMethodNotAllowed(fastify);
  if (config.jwt.algorithm !== 'HS256') {
    const tokens = app.get(TokenService);
    mountOidc(fastify, app.get(OidcProviderService), () => tokens.jwks());
  }

  setupSwagger(app, config.http.publicUrl, config.password);
  await app.init();
  await app.get(AdminBootstrapService).bootstrapAdmin();
  const metricsServer = new MetricsServer();
  let metrics: MetricsAddress;
  try {
    metrics = await metricsServer.listen(config.metrics.port, config.metrics.host);
  } catch (error) {
    await app.close();
    await embedded?.stop();
    throw error;
  }

  return {
    app,
    metrics,
    close: async () => {
      // Order matters: Nest's own close() runs the shutdown hooks (pools, Redis, Kafka)
      // before it closes the HTTP server, which would fail requests still in flight.
      app.get(HealthService).markShuttingDown();
      const started = Date.now();
      await withTimeout(app.getHttpAdapter().close() as Promise<void>, config.http.shutdownTimeoutMs);
      // Handlers whose clients already left are not in Fastify's count: wait for them too.
      await inFlight.drain(Math.max(0, config.http.shutdownTimeoutMs - (Date.now() - started)));
      await app.close(); // relay flush and producer disconnect, Redis, database pool
      // Last: scrapes keep working while the pod drains.
      await metricsServer.close();
      await embedded?.stop();
    },
  };
}

/** Waits for `work`, but no longer than `ms`; the rest of the shutdown goes on either way. */
async function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** Every tag the controllers use, with what it groups (a tag used but not listed here fails the contract lint). */
const API_TAGS: [name: string, description: string][] = [
  ['auth', 'Sign-up, login, token refresh and logout, password and email flows, the signing keys (JWKS)'],
  ['users', 'The signed-in user, user lookups (bearer or service token), admin reads and writes, the hash import'],
  ['sessions', "The signed-in user's sessions (devices) and their revocation"],
  ['mfa', 'The second factor: TOTP enrolment and removal, recovery codes, the admin reset for a lost device'],
  ['profile extras', "A user's badges and learning goals"],
  ['audit', 'The audit trail of security-relevant actions (admin)'],
  ['oauth clients', 'OAuth clients of the OpenID provider (/oidc): registration, secret rotation, deletion (admin)'],
  ['compat (first version)', "The first version's routes, kept for its clients"],
  ['operations', 'Health probes and service state'],
];

function setupSwagger(app: NestFastifyApplication, publicUrl: string, password: PasswordPolicy): void {
  const builder = new DocumentBuilder()
    .setTitle('user-service')
    .setDescription(
      'Users and authentication: sign-up, login with JWT access tokens and rotating refresh tokens, sessions, profiles, roles, password flows. Errors share one body: {error_code, message, details, timestamp, request_id}; each operation lists the codes it can answer, with an example of each.',
    )
    .setVersion('1.0.0')
    .setLicense('Proprietary', `${publicUrl}/docs`)
    // PUBLIC_URL: where clients reach the service (paths carry their own /api/v1 prefix).
    .addServer(publicUrl, 'this deployment (PUBLIC_URL)')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Service-Token' }, 'service-token');
  for (const [name, description] of API_TAGS) builder.addTag(name, description);
  const generated = SwaggerModule.createDocument(app, builder.build());
  // The decorators give the shapes; the guards' and pipes' own metadata give security, UUID
  // parameters and the error answers every route of a kind shares (common/http/openapi.ts).
  const document = finalizeOpenApi(generated, collectRouteFacts(app), { password: passwordSchema(password) });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
