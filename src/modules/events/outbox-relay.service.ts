import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectConfig } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { KafkaEventProducer } from './kafka-producer.js';
import { relayBackoffMs } from './outbox-message.js';
import { OutboxMetrics } from './outbox-metrics.js';
import { publishTraced } from './outbox-tracing.js';
import { OutboxRepository, type RelayBatchResult } from './outbox.repository.js';
import type { DependencyState, RelayStatus } from './relay-status.js';

/** With nothing to publish, ask the broker this often whether it is there (readiness, /stats). */
const PROBE_INTERVAL_MS = 5000;
/** How often published rows past the retention are deleted. */
const PURGE_INTERVAL_MS = 60_000;
/** On shutdown, after the in-flight batch, keep publishing what is pending for at most this long. */
const SHUTDOWN_DRAIN_MS = 5000;

/**
 * Publishes the transactional outbox to Kafka (contract §3) when KAFKA_BROKERS is set.
 *
 * A loop, one step at a time: claim the oldest pending rows under the relay lock, publish
 * them, mark them published, commit (OutboxRepository.relayBatch). After a published
 * batch it looks again at once; with nothing pending it waits OUTBOX_POLL_INTERVAL_MS. While
 * the broker is down it backs off (250 ms doubling to 10 s), counts attempts on the rows
 * and keeps every one of them. Starting never waits for Kafka: the app serves requests and
 * reports the broker unhealthy until it answers. Delivery is at least once: a crash
 * between the broker's acknowledgement and the commit publishes the batch again, with
 * the same event ids.
 */
@Injectable()
export class OutboxRelay implements RelayStatus, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly producer: KafkaEventProducer | null;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retentionMs: number;

  /** null until the first answer (or failure) from the broker. */
  private reachable: boolean | null = null;
  private brokerFailures = 0;
  private databaseFailures = 0;
  private unreachableSince = 0;
  private lastBrokerContact = 0;
  private lastPurge = 0;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly metrics: OutboxMetrics,
    @InjectConfig() config: AppConfig,
  ) {
    const kafka = config.kafka;
    this.producer =
      kafka.brokers.length === 0
        ? null
        : new KafkaEventProducer({ brokers: kafka.brokers, clientId: kafka.clientId, topic: kafka.topic });
    this.batchSize = kafka.batchSize;
    this.pollIntervalMs = kafka.pollIntervalMs;
    this.retentionMs = kafka.retentionHours * 3600_000;
  }

  brokerState(): DependencyState {
    if (this.producer === null) return 'disabled';
    return this.reachable === true ? 'healthy' : 'unhealthy';
  }

  onApplicationBootstrap(): void {
    if (this.producer === null) {
      this.logger.log('KAFKA_BROKERS not set: events stay in the outbox table (embedded mode)');
      return;
    }
    this.logger.log({ topic: this.producer.topic }, 'outbox relay started');
    this.loop = this.run(this.producer).catch((error: unknown) => {
      this.logger.error({ err: error }, 'outbox relay stopped unexpectedly');
    });
  }

  /**
   * Before the database closes: stop polling, let the in-flight batch finish, publish what
   * is still pending for a few seconds if the broker is there, then disconnect. Rows left
   * over stay pending for the next instance.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.loop === null || this.producer === null) return;
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = null;
    try {
      await this.drain(this.producer);
    } finally {
      await this.producer.close();
    }
  }

  private async run(producer: KafkaEventProducer): Promise<void> {
    while (!this.stopping) {
      const wait = await this.step(producer);
      await this.purgeIfDue();
      if (wait > 0 && !this.stopping) await this.sleep(wait);
    }
  }

  /** One relay step; answers how long to wait before the next. Never throws. */
  private async step(producer: KafkaEventProducer): Promise<number> {
    try {
      await producer.connect();
    } catch (error) {
      return this.brokerFailed(producer, error, 'connect');
    }
    let result: RelayBatchResult;
    try {
      result = await this.outbox.relayBatch(this.batchSize, (rows) =>
        publishTraced(producer.topic, rows, (messages) => producer.publish(messages)),
      );
    } catch (error) {
      return this.databaseFailed(error);
    }
    this.databaseFailures = 0;
    switch (result.kind) {
      case 'published':
        this.metrics.published(result.occurredAt);
        this.brokerAnswered();
        // Look again at once: more rows may have committed while this batch was in flight.
        return 0;
      case 'failed':
        return this.brokerFailed(producer, result.error, 'publish', result.count);
      case 'idle':
      case 'busy':
        // busy: another instance holds the relay lock and publishes; this one stands by.
        if (Date.now() - this.lastBrokerContact >= PROBE_INTERVAL_MS) {
          try {
            await producer.probe();
            this.brokerAnswered();
          } catch (error) {
            return this.brokerFailed(producer, error, 'probe');
          }
        }
        return this.pollIntervalMs;
    }
  }

  private brokerAnswered(): void {
    this.lastBrokerContact = Date.now();
    if (this.reachable === false) {
      this.logger.log(
        { failed_attempts: this.brokerFailures, outage_ms: Date.now() - this.unreachableSince },
        'Kafka reachable again: publishing the outbox',
      );
    }
    this.reachable = true;
    this.brokerFailures = 0;
  }

  private async brokerFailed(producer: KafkaEventProducer, error: unknown, stage: string, batch = 0): Promise<number> {
    this.brokerFailures += 1;
    this.metrics.publishFailed();
    const wait = relayBackoffMs(this.brokerFailures);
    const details = { err: error, stage, batch, attempt: this.brokerFailures, retry_in_ms: wait };
    if (this.reachable !== false) {
      this.unreachableSince = Date.now();
      this.logger.warn(details, 'Kafka unreachable: events stay in the outbox and are retried');
    } else {
      this.logger.debug(details, 'Kafka still unreachable');
    }
    this.reachable = false;
    await producer.reset();
    return wait;
  }

  private databaseFailed(error: unknown): number {
    this.databaseFailures += 1;
    const wait = relayBackoffMs(this.databaseFailures);
    this.logger.warn({ err: error, attempt: this.databaseFailures, retry_in_ms: wait }, 'outbox relay: database error');
    return wait;
  }

  private async purgeIfDue(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPurge < PURGE_INTERVAL_MS) return;
    this.lastPurge = now;
    try {
      const deleted = await this.outbox.purgePublished(new Date(now - this.retentionMs));
      if (deleted > 0) this.logger.log({ deleted }, 'purged published outbox rows past the retention');
    } catch (error) {
      this.logger.warn({ err: error }, 'outbox purge failed; retried later');
    }
  }

  private async drain(producer: KafkaEventProducer): Promise<void> {
    if (this.reachable !== true) return;
    const deadline = Date.now() + SHUTDOWN_DRAIN_MS;
    while (Date.now() < deadline) {
      let result: RelayBatchResult;
      try {
        result = await this.outbox.relayBatch(this.batchSize, (rows) =>
          publishTraced(producer.topic, rows, (messages) => producer.publish(messages)),
        );
      } catch (error) {
        this.logger.warn({ err: error }, 'outbox relay: could not flush on shutdown');
        return;
      }
      if (result.kind !== 'published') return;
      this.metrics.published(result.occurredAt);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
