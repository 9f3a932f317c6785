import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '#src/config/config.module.js';
import type { AppConfig } from '#src/config/app-config.js';
import { KV_STORE, type KvStore } from './kv-store.js';
import { MemoryKvStore } from './memory-kv-store.js';
import { RedisKvStore } from './redis-kv-store.js';

@Injectable()
class KvStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(KV_STORE) private readonly store: KvStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/** REDIS_URL set: Redis; absent: the in-process store of embedded mode. */
@Global()
@Module({
  providers: [
    {
      provide: KV_STORE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): KvStore =>
        config.redis.url === undefined
          ? new MemoryKvStore()
          : new RedisKvStore(config.redis.url, config.redis.keyPrefix),
    },
    KvStoreCloser,
  ],
  exports: [KV_STORE],
})
export class KvModule {}
