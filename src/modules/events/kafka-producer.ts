import { Logger } from '@nestjs/common';
import { ClientKafka } from '@nestjs/microservices';
import kafkajs, { type Admin, type Kafka, type LogEntry, logLevel, Partitioners } from 'kafkajs';
import { lastValueFrom } from 'rxjs';
import type { OutboxMessage } from './outbox-message.js';

/**
 * Partitions of the events topic when this service creates it. Per-user order only needs
 * one key to stay on one partition; 6 lets up to 6 consumers of a group share the load
 * and is cheap for a broker. A topic created beforehand keeps its own count.
 */
const USER_EVENTS_TOPIC_PARTITIONS = 6;

// kafkajs is CommonJS and spreads its error classes into module.exports, which Node's
// named-export detection cannot see: they are reached through the default import.
const { KafkaJSAggregateError, KafkaJSProtocolError } = kafkajs;

/** Bounded kafkajs retries (about 1 s in all): the relay's own backoff takes over after. */
const RETRY = { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 };

export interface KafkaProducerOptions {
  brokers: string[];
  clientId: string;
  topic: string;
}

/**
 * The relay's Kafka adapter: `@nestjs/microservices` ClientKafka (kafkajs underneath) in
 * producer-only mode.
 *
 * - `emitBatch` carries per-message key and headers (the serializer passes `{key, value,
 *   headers}` through) and its observable completes with the broker's acknowledgement
 *   (`acks: -1`), so ClientKafka's own API is enough; the raw kafkajs producer is not needed.
 * - Idempotent producer with one request in flight: a retry cannot duplicate or reorder
 *   a batch inside one producer session.
 * - Retries are bounded (kafkajs retries an idempotent producer forever by default, which
 *   would hold the relay's transaction open for the whole outage); the relay backs off
 *   and tries again. After any failure the producer is dropped and a new one (new
 *   producer id) is made on the next try: a producer whose request failed half-way may
 *   hold sequence numbers the broker no longer agrees with.
 */
export class KafkaEventProducer {
  private readonly logger = new Logger('KafkaEventProducer');
  private client: ClientKafka | null = null;
  private admin: Admin | null = null;
  private topicReady = false;

  constructor(private readonly options: KafkaProducerOptions) {}

  get topic(): string {
    return this.options.topic;
  }

  /** Connects the producer (and an admin client) and creates the topic when missing. Idempotent. */
  async connect(): Promise<void> {
    if (this.client !== null && this.admin !== null && this.topicReady) return;
    this.client ??= this.createClient();
    await this.client.connect();
    if (this.admin === null) {
      const admin = this.client.unwrap<Kafka>().admin({ retry: RETRY });
      await admin.connect();
      this.admin = admin;
    }
    if (!this.topicReady) await this.ensureTopic(this.admin);
  }

  /** Publishes the batch in order and resolves once every message is acknowledged by all in-sync replicas. */
  async publish(messages: OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.connect();
    const client = this.client as ClientKafka;
    await lastValueFrom(client.emitBatch(this.options.topic, { messages }), { defaultValue: undefined });
  }

  /** Asks the broker for the topic's metadata: the idle-time health check. */
  async probe(): Promise<void> {
    await this.connect();
    await (this.admin as Admin).fetchTopicMetadata({ topics: [this.options.topic] });
  }

  /** Drops the connections; the next call makes new ones (and a new producer id). */
  async reset(): Promise<void> {
    const client = this.client;
    const admin = this.admin;
    this.client = null;
    this.admin = null;
    await Promise.allSettled([client?.close(), admin?.disconnect()]);
  }

  close(): Promise<void> {
    return this.reset();
  }

  private createClient(): ClientKafka {
    return new ClientKafka({
      // Producer only: no consumer group, no reply topics; the client id is used as given.
      producerOnlyMode: true,
      postfixId: '',
      client: {
        clientId: this.options.clientId,
        brokers: this.options.brokers,
        connectionTimeout: 3000,
        requestTimeout: 5000,
        retry: RETRY,
        logLevel: logLevel.WARN,
        logCreator: () => this.logEntry,
      },
      producer: {
        idempotent: true,
        maxInFlightRequests: 1,
        retry: RETRY,
        // kafkajs 2's default: murmur2 as in the Java client, so a key lands on the same
        // partition whichever client produced it. Named to silence kafkajs's notice.
        createPartitioner: Partitioners.DefaultPartitioner,
      },
      send: { acks: -1, timeout: 5000 },
    });
  }

  /**
   * kafkajs logs every failed connection at error level; during an outage the relay logs
   * the failure once per try itself, so kafkajs lines go to debug.
   */
  private readonly logEntry = ({ namespace, log }: LogEntry): void => {
    const { message, ...rest } = log;
    this.logger.debug({ namespace, ...rest }, `kafkajs: ${message}`);
  };

  private async ensureTopic(admin: Admin): Promise<void> {
    try {
      const created = await admin.createTopics({
        topics: [{ topic: this.options.topic, numPartitions: USER_EVENTS_TOPIC_PARTITIONS }],
        waitForLeaders: true,
      });
      if (created)
        this.logger.log(
          { topic: this.options.topic, partitions: USER_EVENTS_TOPIC_PARTITIONS },
          'created the events topic',
        );
    } catch (error) {
      // The broker answered and refused (no right to create topics, replication factor
      // above the broker count...): publish anyway, the topic may be managed elsewhere.
      // Connection failures are rethrown and retried by the relay.
      if (!(error instanceof KafkaJSProtocolError || error instanceof KafkaJSAggregateError)) throw error;
      this.logger.warn(
        { topic: this.options.topic, err: error },
        'could not create the events topic; assuming it is managed elsewhere',
      );
    }
    this.topicReady = true;
  }
}
