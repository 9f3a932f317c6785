import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { finalize, type Observable } from 'rxjs';

/**
 * Counts handlers still running, including those whose client has gone away (Node does not
 * stop a handler when its socket closes). Shutdown waits for zero before closing the pools,
 * so no handler loses its database mid-transaction.
 */
@Injectable()
export class InFlightInterceptor implements NestInterceptor {
  private count = 0;
  private waiters: (() => void)[] = [];

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    this.count += 1;
    return next.handle().pipe(
      finalize(() => {
        this.count -= 1;
        if (this.count === 0) for (const wake of this.waiters.splice(0)) wake();
      }),
    );
  }

  /** Resolves when no handler runs, or after `ms`. */
  drain(ms: number): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
