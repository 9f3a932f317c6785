import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { TEST_COOKIE_SECRET, TEST_DATA_KEYS, TEST_EC_KEY, testPrefix } from '../utils/app.js';
import { createTestDatabase, sql } from '../utils/database.js';
import { newIdentity } from '../utils/factories.js';
import { http } from '../utils/http.js';
import { consumeTopic, type ReceivedMessage } from '../utils/kafka.js';
import { type ServiceProcess, spawnService, TRACING_REGISTER } from '../utils/service-process.js';
import { waitFor } from '../utils/wait.js';

/**
 * One sign-up followed from the caller's `traceparent` to the Kafka message a consumer reads
 * (issue 15): the service runs as it does in production (`node --import register.js`, real
 * PostgreSQL, Redis and Kafka) and exports OTLP/HTTP in the `http/json` protocol to a
 * receiver in this test, which decodes the OTLP JSON encoding (ExportTraceServiceRequest of
 * opentelemetry-proto, its protobuf-JSON mapping: ids as hex, enums as numbers).
 * docs/decisions.md ("Tracing") says why the receiver is not Jaeger or the Collector.
 */

const BROKERS = process.env.TEST_KAFKA_BROKERS;
const SKIP = BROKERS === undefined ? 'needs TEST_KAFKA_BROKERS (run through npm test)' : false;

/** OTLP's AnyValue, as much of it as the service's spans use. */
interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes?: { key: string; value: OtlpValue }[];
}
interface ExportTraceServiceRequest {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: OtlpValue }[] };
    scopeSpans?: { scope?: { name: string }; spans?: OtlpSpan[] }[];
  }[];
}

const SPAN_KIND = { server: 2, client: 3, producer: 4 } as const;

/** A span with its attributes flattened and the service name of its resource. */
interface ReceivedSpan extends OtlpSpan {
  scope: string;
  service: string | undefined;
  attrs: Record<string, unknown>;
}

function flatten(value: OtlpValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(flatten);
  return undefined;
}

/** An OTLP/HTTP traces endpoint (`POST /v1/traces`, JSON) on loopback that keeps every span. */
async function startOtlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; close: () => Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !/json/.test(req.headers['content-type'] ?? '')) {
        res.writeHead(415).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExportTraceServiceRequest;
      for (const rs of body.resourceSpans ?? []) {
        const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue;
        for (const ss of rs.scopeSpans ?? []) {
          for (const span of ss.spans ?? []) {
            const attrs = Object.fromEntries((span.attributes ?? []).map((a) => [a.key, flatten(a.value)]));
            spans.push({ ...span, scope: ss.scope?.name ?? '', service, attrs });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const traceIdOf = (traceparent: string | null | undefined): string | undefined => traceparent?.split('-')[1];

describe('tracing: one trace from the HTTP request to the Kafka consumer', { skip: SKIP }, () => {
  const topic = `user-events-trace-${hex(4)}`;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let db: { url: string; drop: () => Promise<void> };
  let service: ServiceProcess;
  let consumer: { received: ReceivedMessage[]; stop: () => Promise<void> } | undefined;

  before(async () => {
    receiver = await startOtlpReceiver();
    db = await createTestDatabase();
    service = await spawnService(
      {
        NODE_ENV: 'production',
        LOG_LEVEL: 'debug',
        DATABASE_URL: db.url,
        DATABASE_POOL_SIZE: '5',
        RUN_MIGRATIONS: 'false',
        REDIS_URL: process.env.TEST_REDIS_URL ?? '',
        REDIS_KEY_PREFIX: testPrefix(),
        KAFKA_BROKERS: BROKERS ?? '',
        KAFKA_TOPIC_USER_EVENTS: topic,
        OUTBOX_POLL_INTERVAL_MS: '50',
        JWT_PRIVATE_KEY: TEST_EC_KEY,
        DATA_ENCRYPTION_KEYS: TEST_DATA_KEYS,
        COOKIE_SECRET: TEST_COOKIE_SECRET,
        ARGON2_MEMORY_KIB: '19456',
        // The standard variables only: endpoint (the SDK appends /v1/traces), protocol, a
        // short batch delay so the test does not wait 5 s per export.
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_NODE_RESOURCE_DETECTORS: 'env,process',
      },
      ['--import', TRACING_REGISTER],
    );
    await service.ready();
  });

  after(async () => {
    await consumer?.stop();
    await service?.kill();
    await db?.drop();
    await receiver?.close();
  });

  it('continues the caller trace through pg and Redis to the producer span and the message header', async (t) => {
    const traceId = hex(16);
    const callerSpanId = hex(8);
    const identity = newIdentity('trace');
    const res = await http(service.url, 'POST', '/api/v1/auth/register', {
      body: identity,
      headers: { traceparent: `00-${traceId}-${callerSpanId}-01`, 'x-request-id': 'trace-signup-1' },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const userId = (res.body as { id: string }).id;
    assert.equal(traceIdOf(res.headers.get('traceparent')), traceId, 'the response carries the same trace');
    assert.equal(res.headers.get('x-request-id'), 'trace-signup-1');

    // The consumer side: a plain kafkajs consumer reads user.created and its trace headers
    // (subscribed once the relay has published, which creates the topic).
    await waitFor('the outbox row published', async () => {
      const rows = await sql<{ published_at: Date | null; trace_context: Record<string, string> | null }>(
        db.url,
        'SELECT published_at, trace_context FROM outbox_events WHERE aggregate_id = $1',
        [userId],
      );
      return rows.length > 0 && rows.every((r) => r.published_at !== null) && rows;
    }).then((rows) => assert.equal(traceIdOf(rows[0]?.trace_context?.traceparent), traceId, 'stored with the row'));
    consumer = await consumeTopic(BROKERS as string, topic);
    const message = await waitFor(
      'user.created on Kafka',
      () => consumer?.received.find((m) => m.key === userId && m.headers.event_type === 'user.created'),
      30_000,
    );
    assert.equal(traceIdOf(message.headers.traceparent), traceId, 'the consumer joins the request trace');

    const producer = await waitFor('the producer span', () =>
      receiver.spans.find((s) => s.traceId === traceId && s.kind === SPAN_KIND.producer),
    );
    const inTrace = receiver.spans.filter((s) => s.traceId === traceId);
    const byId = new Map(inTrace.map((s) => [s.spanId, s]));

    // The HTTP server span honours the incoming traceparent: its parent is the caller's span.
    const server = inTrace.find((s) => s.kind === SPAN_KIND.server);
    assert.ok(server, `a server span; names: ${inTrace.map((s) => s.name).join(', ')}`);
    assert.equal(server.parentSpanId, callerSpanId);
    assert.equal(server.service, 'user-service');
    assert.equal(server.name, 'POST /api/v1/auth/register');

    // Every span of the trace reaches the server span through its parents.
    const chainToServer = (span: ReceivedSpan): string[] => {
      const names = [span.name];
      let current: ReceivedSpan | undefined = span;
      while (current !== undefined && current !== server) {
        current = current.parentSpanId === undefined ? undefined : byId.get(current.parentSpanId);
        if (current !== undefined) names.push(current.name);
      }
      assert.ok(current === server, `${span.name} does not descend from the server span: ${names.join(' <- ')}`);
      return names;
    };
    const pg = inTrace.filter(
      (s) => s.kind === SPAN_KIND.client && /postgres/.test(String(s.attrs['db.system.name'] ?? s.attrs['db.system'])),
    );
    const redis = inTrace.filter(
      (s) => s.kind === SPAN_KIND.client && (s.attrs['db.system'] ?? s.attrs['db.system.name']) === 'redis',
    );
    assert.ok(pg.length > 0, `pg spans; names: ${inTrace.map((s) => s.name).join(', ')}`);
    assert.ok(redis.length > 0, `redis spans; names: ${inTrace.map((s) => s.name).join(', ')}`);
    for (const span of [...pg, ...redis, producer]) chainToServer(span);

    // The trace as the receiver got it, one span a line under its parent (docs/operations.md shows one).
    const tree = (parent: string, depth: number): string[] =>
      inTrace
        .filter((s) => s.parentSpanId === parent)
        .flatMap((s) => [`${'  '.repeat(depth)}${s.name} [${s.scope}]`, ...tree(s.spanId, depth + 1)]);
    t.diagnostic(`trace ${traceId}:\n${tree(callerSpanId, 0).join('\n')}`);

    // The producer span is the message's parent, and says what it sent (the user id is the key).
    assert.equal(producer.name, `send ${topic}`);
    assert.equal(message.headers.traceparent?.split('-')[2], producer.spanId);
    assert.equal(producer.attrs['messaging.system'], 'kafka');
    assert.equal(producer.attrs['messaging.destination.name'], topic);
    assert.equal(producer.attrs['messaging.kafka.message.key'], userId);
    assert.equal(producer.attrs['messaging.message.id'], message.headers.event_id);

    // No personal data on any span of the trace: no email, password, name or username.
    const everything = JSON.stringify(inTrace);
    for (const secret of [identity.email, identity.password, identity.name, identity.username]) {
      assert.ok(!everything.includes(secret), `a span carries ${secret}`);
    }
    // The Redis statements hold command names only (lockout keys hold canonical emails).
    for (const span of redis) {
      const statement = span.attrs['db.statement'] ?? span.attrs['db.query.text'];
      assert.ok(typeof statement === 'string' && /^[a-z]+$/i.test(statement), `redis statement: ${String(statement)}`);
    }
  });

  it('keeps tokens and headers off spans, redacts query values, and traces no probe', async () => {
    const identity = newIdentity('trace');
    assert.equal((await http(service.url, 'POST', '/api/v1/auth/register', { body: identity })).status, 201);
    const login = await http(service.url, 'POST', '/api/v1/auth/login', {
      body: { email: identity.email, password: identity.password },
    });
    const { access_token: access, refresh_token: refresh } = login.body as {
      access_token: string;
      refresh_token: string;
    };
    const traceId = hex(16);
    const me = await http(
      service.url,
      'GET',
      `/api/v1/users/me?access_token=${access}&q=${encodeURIComponent(identity.email)}`,
      {
        token: access,
        headers: { traceparent: `00-${traceId}-${hex(8)}-01` },
      },
    );
    assert.equal(me.status, 200);
    await http(service.url, 'GET', '/health/readiness');
    const server = await waitFor('the /users/me server span', () =>
      receiver.spans.find((s) => s.traceId === traceId && s.kind === SPAN_KIND.server),
    );
    assert.equal(server.attrs['url.query'], 'access_token=REDACTED&q=REDACTED');
    await new Promise((resolve) => setTimeout(resolve, 300)); // the batch processor's next export
    for (const span of receiver.spans) {
      const text = JSON.stringify(span);
      for (const secret of [access, refresh, identity.email, identity.password, 'authorization']) {
        assert.ok(!text.includes(secret), `a span carries ${secret.slice(0, 20)}…: ${text}`);
      }
    }
    assert.ok(!receiver.spans.some((s) => String(s.attrs['url.path']).startsWith('/health')), 'probes are not traced');
  });

  it('starts a fresh trace for a malformed, oversized or all-zero traceparent, and answers as usual', async () => {
    const hostile = [
      'garbage',
      `00-${'z'.repeat(32)}-${hex(8)}-01`,
      `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`,
      `00-${hex(16)}-${hex(8)}-01-${'x'.repeat(6000)}`,
      `ff-${hex(16)}-${hex(8)}-01`,
    ];
    for (const traceparent of hostile) {
      const res = await http(service.url, 'GET', '/api/v1/users/by-username/nobody-here', {
        headers: { traceparent, 'x-service-token': 'none' },
      });
      assert.ok(res.status < 500, `${traceparent.slice(0, 60)}: ${res.status}`);
      const answered = res.headers.get('traceparent') ?? '';
      assert.match(answered, /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/, traceparent.slice(0, 60));
      assert.notEqual(traceIdOf(answered), traceIdOf(traceparent));
      assert.notEqual(traceIdOf(answered), '0'.repeat(32));
    }
  });

  it('puts trace_id and span_id on the request log lines; the error body keeps its request_id', async () => {
    const traceId = hex(16);
    const res = await http(service.url, 'POST', '/api/v1/auth/login', {
      body: { email: 'nobody-trace@example.com', password: 'Wrong-Pass-123' },
      headers: { traceparent: `00-${traceId}-${hex(8)}-01`, 'x-request-id': 'trace-login-401' },
    });
    assert.equal(res.status, 401);
    assert.equal((res.body as { request_id: string }).request_id, 'trace-login-401');
    assert.equal(traceIdOf(res.headers.get('traceparent')), traceId);

    const line = await waitFor('the request line', () =>
      service
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((e) => e.msg === 'request completed' && e.request_id === 'trace-login-401'),
    );
    assert.equal(line.trace_id, traceId);
    assert.match(String(line.span_id), /^[0-9a-f]{16}$/);
    // Every request line of the run carries a trace, but the probes' (not traced at all).
    const requestLines = service
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.msg === 'request completed' && !String(e.url).startsWith('/health/'));
    assert.ok(requestLines.length >= 5, `request lines: ${requestLines.length}`);
    for (const entry of requestLines) assert.match(String(entry.trace_id), /^[0-9a-f]{32}$/, JSON.stringify(entry));
  });
});
