import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Counter, Gauge, register } from 'prom-client';
import { OutboxRepository } from './outbox.repository.js';
import { AUTOCOMMIT } from '#src/database/transaction.js';

/**
 * Outbox series on prom-client's default registry, which the /metrics route exposes.
 * The metric objects are process-wide (a registry refuses a name twice, and the e2e tests
 * run several app instances in one process); the pending gauge counts through the most
 * recently started instance's database.
 */
const pendingSources: (() => Promise<number>)[] = [];
const logger = new Logger('OutboxMetrics');

function counter(name: string, help: string): Counter {
  return (register.getSingleMetric(name) as Counter | undefined) ?? new Counter({ name, help });
}

const published = counter(
  'outbox_events_published_total',
  'Outbox events published to Kafka (acknowledged by the broker)',
);
const failures = counter(
  'outbox_publish_failures_total',
  'Failed attempts to reach the broker or publish a batch (each is retried with backoff; no event is dropped)',
);
if (register.getSingleMetric('outbox_pending_events') === undefined) {
  new Gauge({
    name: 'outbox_pending_events',
    help: 'Outbox events committed but not yet published',
    async collect() {
      const source = pendingSources.at(-1);
      if (source === undefined) return;
      try {
        this.set(await source());
      } catch (error) {
        // A scrape during a database outage keeps the last value rather than failing /metrics.
        logger.warn({ err: error }, 'outbox_pending_events: count failed');
      }
    },
  });
}

@Injectable()
export class OutboxMetrics implements OnModuleInit, OnApplicationShutdown {
  private readonly countPending = (): Promise<number> => this.outbox.countPending(AUTOCOMMIT);

  constructor(private readonly outbox: OutboxRepository) {}

  onModuleInit(): void {
    pendingSources.push(this.countPending);
  }

  onApplicationShutdown(): void {
    const index = pendingSources.indexOf(this.countPending);
    if (index >= 0) pendingSources.splice(index, 1);
  }

  published(count: number): void {
    published.inc(count);
  }

  publishFailed(): void {
    failures.inc();
  }
}
