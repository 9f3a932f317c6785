import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Counter, Gauge, Histogram, register } from 'prom-client';
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
/** From the event's commit (occurred_at) to the broker's acknowledgement of its batch. */
const publishLag =
  (register.getSingleMetric('outbox_publish_lag_seconds') as Histogram | undefined) ??
  new Histogram({
    name: 'outbox_publish_lag_seconds',
    help: 'Seconds from an outbox event commit to its publication to Kafka',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
  });
if (register.getSingleMetric('outbox_pending_events') === undefined) {
  new Gauge({
    name: 'outbox_pending_events',
    help: 'Outbox events committed but not yet published',
    // Every cluster worker counts the same table: the primary's aggregate keeps one value.
    aggregator: 'max',
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

  /** One published batch: the events' commit times. */
  published(occurredAt: Date[]): void {
    published.inc(occurredAt.length);
    const now = Date.now();
    for (const at of occurredAt) publishLag.observe(Math.max(0, (now - at.getTime()) / 1000));
  }

  publishFailed(): void {
    failures.inc();
  }
}
