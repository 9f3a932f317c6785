import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { relayBackoffMs, toKafkaMessage, type PendingOutboxRow } from './outbox-message.js';
import { EVENT_VERSION } from './user-events.js';

const row: PendingOutboxRow = {
  id: '42',
  eventId: '0b9d1a3e-2a6f-4a57-9a43-5a3c0d1b2e4f',
  eventType: 'user.updated',
  aggregateId: 'f3c1e2d4-1111-4222-8333-944455556666',
  payload: { user_id: 'f3c1e2d4-1111-4222-8333-944455556666', updated_fields: ['name'], actor_id: null },
  occurredAt: new Date('2026-01-02T03:04:05.678Z'),
};

describe('outbox message', () => {
  it('keys by user id and wraps the payload in the 1.x envelope with routing headers', () => {
    assert.match(EVENT_VERSION, /^1\.\d+\.\d+$/, 'a 1.x envelope');
    const message = toKafkaMessage(row);
    assert.equal(message.key, row.aggregateId);
    assert.deepEqual(message.headers, { event_type: 'user.updated', version: EVENT_VERSION, event_id: row.eventId });
    assert.deepEqual(JSON.parse(message.value), {
      event_id: row.eventId,
      event_type: 'user.updated',
      version: EVENT_VERSION,
      occurred_at: '2026-01-02T03:04:05.678Z',
      producer: 'user-service',
      data: row.payload,
    });
  });

  it('backs off from 250 ms doubling to a 10 s cap, jittered within ±20 %', () => {
    const mid = () => 0.5;
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8, 50, 1000].map((n) => relayBackoffMs(n, mid)),
      [250, 500, 1000, 2000, 4000, 8000, 10000, 10000, 10000, 10000],
    );
    assert.equal(
      relayBackoffMs(1, () => 0),
      200,
    );
    assert.equal(
      relayBackoffMs(1, () => 1),
      300,
    );
    assert.equal(
      relayBackoffMs(10, () => 1),
      10000,
      'jitter never passes the cap',
    );
    assert.equal(relayBackoffMs(0, mid), 250);
  });
});
