import 'reflect-metadata';
import {
  type DynamicModule,
  type INestApplicationContext,
  Module,
  type ModuleMetadata,
  type Provider,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { KV_STORE } from '#src/kv/kv-store.js';
import { MemoryKvStore } from '#src/kv/memory-kv-store.js';
import { type AppConfig, loadConfig } from '#src/config/app-config.js';
import { ConfigModule } from '#src/config/config.module.js';
import { CryptoModule } from '#src/crypto/crypto.module.js';
import { DatabaseModule } from '#src/database/database.module.js';
import type { Tx } from '#src/database/transaction.js';
import { EventPublisher } from '#src/modules/events/event-publisher.js';
import type { UserEvent } from '#src/modules/events/user-events.js';
import { MailService } from '#src/modules/mail/mail.service.js';
import { testEnv } from './app.js';
import { assertTestDatabase, createTestDatabase } from './database.js';

/**
 * The service tier: one service (or a few) built by Nest with its real repositories on a
 * fresh PostgreSQL clone, its edges faked: the event port records in memory instead of
 * writing the outbox, mail is kept instead of sent, and the key-value store is the
 * in-process one of embedded mode instead of Redis. Tests call the service's methods and
 * read the rows; HTTP, guards and Kafka are the e2e tier's business.
 */

/** The event port, recording what the service publishes (and what erasure asks it to forget). */
class RecordingEventPublisher {
  readonly recorded: UserEvent[] = [];
  readonly forgotten: string[] = [];

  record(_tx: Tx, ...events: UserEvent[]): Promise<void> {
    this.recorded.push(...events);
    return Promise.resolve();
  }

  forgetPersonalData(_tx: Tx, userId: string): Promise<void> {
    this.forgotten.push(userId);
    return Promise.resolve();
  }

  ofType(type: UserEvent['type']): UserEvent[] {
    return this.recorded.filter((e) => e.type === type);
  }
}

type Mail = Parameters<MailService['send']>[0];

/** The mail service, keeping what would have been sent. */
class RecordingMailService {
  readonly sent: Mail[] = [];

  send(mail: Mail): Promise<void> {
    this.sent.push(mail);
    return Promise.resolve();
  }

  sendInBackground(mail: Mail): void {
    this.sent.push(mail);
  }
}

export interface ServiceContext {
  app: INestApplicationContext;
  config: AppConfig;
  databaseUrl: string;
  events: RecordingEventPublisher;
  mail: RecordingMailService;
  kv: MemoryKvStore;
  get<T>(type: Type<T>): T;
  close(): Promise<void>;
}

export interface ServiceContextOptions {
  /** Feature modules the service comes from (or needs), real. */
  imports?: ModuleMetadata['imports'];
  /** Services to build directly, for those no imported module exports. */
  providers?: Provider[];
  /** Configuration on top of the tests' defaults (as environment variables). */
  env?: Record<string, string>;
}

@Module({})
class FakeEdgesModule {}

@Module({})
class ServiceUnderTestModule {}

export async function startServiceContext(options: ServiceContextOptions = {}): Promise<ServiceContext> {
  const db = await createTestDatabase();
  assertTestDatabase(db.url);
  const config = loadConfig({ ...testEnv(db.url), ...options.env });
  const events = new RecordingEventPublisher();
  const mail = new RecordingMailService();
  const kv = new MemoryKvStore();
  const edges: DynamicModule = {
    module: FakeEdgesModule,
    global: true,
    providers: [
      { provide: KV_STORE, useValue: kv },
      { provide: EventPublisher, useValue: events },
      { provide: MailService, useValue: mail },
    ],
    exports: [KV_STORE, EventPublisher, MailService],
  };
  const root: DynamicModule = {
    module: ServiceUnderTestModule,
    imports: [
      ConfigModule.forRoot(config),
      DatabaseModule.forRoot({
        url: db.url,
        poolSize: 2,
        statementTimeoutMs: config.database.statementTimeoutMs,
        embedded: false,
        runMigrations: false,
      }),
      CryptoModule,
      edges,
      ...(options.imports ?? []),
    ],
    providers: options.providers ?? [],
  };
  let app: INestApplicationContext;
  try {
    app = await NestFactory.createApplicationContext(root, { logger: false, abortOnError: false });
  } catch (error) {
    await db.drop();
    throw error;
  }
  return {
    app,
    config,
    databaseUrl: db.url,
    events,
    mail,
    kv,
    get: <T>(type: Type<T>): T => app.get(type),
    close: async () => {
      await app.close();
      await kv.close();
      await db.drop();
    },
  };
}
