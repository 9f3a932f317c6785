import { HttpException, Inject, Injectable } from '@nestjs/common';
import {
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { AppException } from '#src/common/errors/app.exception.js';
import { KV_STORE, type KvStore } from '#src/kv/kv-store.js';
import { type DependencyState, EventStatusService } from '#src/modules/events/event-status.service.js';

const STARTED = Date.now();

export interface Stats {
  service: string;
  version: string;
  uptime_seconds: number;
  database: DependencyState;
  cache: DependencyState;
  events: { broker: DependencyState; outbox_pending: number | null };
}

/** Readiness (database required; cache and broker reported, not fatal) and /stats. */
@Injectable()
export class HealthService {
  private shuttingDown = false;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly events: EventStatusService,
    @Inject(KV_STORE) private readonly kv: KvStore,
    @Inject('APP_VERSION') private readonly version: string,
  ) {}

  /** Called on SIGTERM: readiness fails from now on so the pod leaves the endpoints. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  async readiness(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => {
          if (this.shuttingDown) return this.indicators.check('lifecycle').down({ message: 'shutting down' });
          return this.indicators.check('lifecycle').up();
        },
        () => this.db.pingCheck('database').withTimeout(1500),
        async () => {
          const session = this.indicators.check('cache');
          if (this.kv.kind === 'memory') return session.up({ store: 'in-process' });
          return (await this.kv.ping())
            ? session.up({ store: 'redis' })
            : session.degraded({ store: 'redis', message: 'unreachable; serving from the database' });
        },
        () => {
          const session = this.indicators.check('events');
          const state = this.events.brokerState();
          if (state === 'unhealthy')
            return session.degraded({ broker: state, message: 'events are kept in the outbox' });
          return session.up({ broker: state });
        },
      ]);
    } catch (error) {
      if (error instanceof HttpException) {
        throw new AppException('COMMON_1503', 'Not ready', error.getResponse());
      }
      throw error;
    }
  }

  async stats(): Promise<Stats> {
    const [database, cache, pending] = await Promise.all([
      this.databaseState(),
      this.kv.kind === 'memory'
        ? Promise.resolve<DependencyState>('healthy')
        : this.kv.ping().then((ok): DependencyState => (ok ? 'healthy' : 'unhealthy')),
      this.events.countPending().catch(() => null),
    ]);
    return {
      service: 'user-service',
      version: this.version,
      uptime_seconds: Math.floor((Date.now() - STARTED) / 1000),
      database,
      cache,
      events: { broker: this.events.brokerState(), outbox_pending: pending },
    };
  }

  private async databaseState(): Promise<DependencyState> {
    try {
      await this.db.pingCheck('database').withTimeout(1500);
      return 'healthy';
    } catch {
      return 'unhealthy';
    }
  }
}
