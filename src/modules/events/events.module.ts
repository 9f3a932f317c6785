import { Global, Module } from '@nestjs/common';
import { EventPublisher } from './event-publisher.js';
import { EventStatusService } from './event-status.service.js';
import { OutboxMetrics } from './outbox-metrics.js';
import { OutboxRelay } from './outbox-relay.service.js';
import { OutboxRepository } from './outbox.repository.js';
import { RELAY_STATUS } from './relay-status.js';

/**
 * The outbox port (global: every feature records events through it) and the Kafka relay
 * behind it. Without KAFKA_BROKERS the relay stays off and reports 'disabled'.
 */
@Global()
@Module({
  providers: [
    OutboxRepository,
    EventPublisher,
    OutboxMetrics,
    OutboxRelay,
    { provide: RELAY_STATUS, useExisting: OutboxRelay },
    EventStatusService,
  ],
  exports: [EventPublisher, EventStatusService],
})
export class EventsModule {}
