import { Injectable } from '@nestjs/common';
import type { Tx } from '#src/database/transaction.js';
import { OutboxRepository } from './outbox.repository.js';
import type { UserEvent, UserEventPayloads, UserEventType } from './user-events.js';

/** The port services record events through; the Kafka relay is an adapter behind the outbox. */
@Injectable()
export class EventPublisher {
  constructor(private readonly outbox: OutboxRepository) {}

  record(tx: Tx, ...events: UserEvent[]): Promise<void> {
    return this.outbox.insert(tx, events);
  }

  /** Erasure, inside its transaction: the user's recorded events keep only the user id as personal data. */
  async forgetPersonalData(tx: Tx, userId: string): Promise<void> {
    await this.outbox.redactUser(tx, userId);
  }
}

export function userEvent<T extends UserEventType>(type: T, userId: string, data: UserEventPayloads[T]): UserEvent {
  return { type, userId, data };
}
