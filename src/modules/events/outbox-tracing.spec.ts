import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OutboxMessage, PendingOutboxRow } from './outbox-message.js';
import { publishTraced } from './outbox-tracing.js';
import { EVENT_VERSION } from './user-events.js';

const row = (traceContext: Record<string, string> | null): PendingOutboxRow => ({
  id: '1',
  eventId: '0b9d1a3e-2a6f-4a57-9a43-5a3c0d1b2e4f',
  eventType: 'user.created',
  aggregateId: 'f3c1e2d4-1111-4222-8333-944455556666',
  payload: { user_id: 'f3c1e2d4-1111-4222-8333-944455556666' },
  occurredAt: new Date('2026-01-02T03:04:05.678Z'),
  traceContext,
});

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/** Without the SDK (this process registers none), as on an instance with tracing off. */
describe('publishTraced without the SDK', () => {
  it('passes a stored trace context on as headers, so a consumer still joins the request trace', async () => {
    let sent: OutboxMessage[] = [];
    await publishTraced(
      'user-events',
      [row({ traceparent: TRACEPARENT, tracestate: 'vendor=1', baggage: 'x=y' }), row(null)],
      (m) => {
        sent = m;
        return Promise.resolve();
      },
    );
    assert.deepEqual(sent[0]?.headers, {
      event_type: 'user.created',
      version: EVENT_VERSION,
      event_id: '0b9d1a3e-2a6f-4a57-9a43-5a3c0d1b2e4f',
      traceparent: TRACEPARENT,
      tracestate: 'vendor=1',
    });
    assert.deepEqual(sent[1]?.headers, {
      event_type: 'user.created',
      version: EVENT_VERSION,
      event_id: '0b9d1a3e-2a6f-4a57-9a43-5a3c0d1b2e4f',
    });
  });

  it('rethrows the broker failure', async () => {
    await assert.rejects(
      publishTraced('user-events', [row({ traceparent: TRACEPARENT })], () => Promise.reject(new Error('broker down'))),
      /broker down/,
    );
  });
});
