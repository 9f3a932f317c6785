import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import { AppException } from '#src/common/errors/app.exception.js';

/** @nestjs/throttler's guard with the DESIGN error body: 429 COMMON_1029 and Retry-After. */
@Injectable()
export class AppThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    return Promise.resolve(String(req.ip)); // Fastify resolves req.ip per TRUST_PROXY
  }

  protected override throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const seconds = Math.max(1, detail.timeToBlockExpire);
    throw new AppException(
      'COMMON_1029',
      undefined,
      { retry_after_seconds: seconds },
      { 'Retry-After': String(seconds) },
    );
  }
}
