import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';

export interface ReceivedMessage {
  key: string | null;
  value: any;
  headers: Record<string, string>;
  partition: number;
  receivedAt: number;
}

/** Reads a whole topic from the beginning with a fresh group, as a downstream service would. */
export async function consumeTopic(
  brokers: string,
  topic: string,
): Promise<{ received: ReceivedMessage[]; stop: () => Promise<void> }> {
  const kafka = new Kafka({ clientId: 'user-service-tests', brokers: [brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: `tests-${randomUUID()}`,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 100,
  });
  const received: ReceivedMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ message, partition }) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
      received.push({
        key: message.key?.toString() ?? null,
        value: JSON.parse(message.value?.toString() ?? 'null'),
        headers,
        partition,
        receivedAt: Date.now(),
      });
      return Promise.resolve();
    },
  });
  return { received, stop: () => consumer.disconnect() };
}
