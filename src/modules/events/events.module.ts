import { Global, Module } from '@nestjs/common';
import { EventPublisher } from './event-publisher.js';
import { OutboxRepository } from './outbox.repository.js';
import { RELAY_STATUS, type RelayStatus } from './relay-status.js';

const disabledRelay: RelayStatus = { brokerState: () => 'disabled' };

/** The outbox port (global: every feature records events through it). The relay joins in the events issue. */
@Global()
@Module({
  providers: [OutboxRepository, EventPublisher, { provide: RELAY_STATUS, useValue: disabledRelay }],
  exports: [EventPublisher, OutboxRepository, RELAY_STATUS],
})
export class EventsModule {}
