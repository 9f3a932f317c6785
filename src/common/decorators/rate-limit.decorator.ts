import { SetMetadata } from '@nestjs/common';

export const RATE_LIMIT_BUCKET = 'rate-limit:bucket';
export type RateLimitBucket = 'login' | 'register';

/** Puts a route under a stricter named limit (RATE_LIMIT_LOGIN_PER_MINUTE / RATE_LIMIT_REGISTER_PER_HOUR). */
export const RateLimit = (bucket: RateLimitBucket): MethodDecorator => SetMetadata(RATE_LIMIT_BUCKET, bucket);
