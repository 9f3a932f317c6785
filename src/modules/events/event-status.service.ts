import { Inject, Injectable } from '@nestjs/common';
import { OutboxRepository } from './outbox.repository.js';
import { RELAY_STATUS, type DependencyState, type RelayStatus } from './relay-status.js';
import { AUTOCOMMIT } from '#src/database/transaction.js';

export type { DependencyState } from './relay-status.js';

/** What the health routes ask of the events module: the broker's state and the outbox backlog. */
@Injectable()
export class EventStatusService {
  constructor(
    private readonly outbox: OutboxRepository,
    @Inject(RELAY_STATUS) private readonly relay: RelayStatus,
  ) {}

  brokerState(): DependencyState {
    return this.relay.brokerState();
  }

  /** Events recorded and not yet published. */
  countPending(): Promise<number> {
    return this.outbox.countPending(AUTOCOMMIT);
  }
}
