import { SetMetadata } from '@nestjs/common';

export const RATE_LIMIT_BUCKET = 'rate-limit:bucket';

/**
 * Limits a public method per client IP. Both transports' handlers of one
 * operation name the same bucket, so switching transport does not double the budget.
 */
export const RateLimited = (bucket: string): MethodDecorator => SetMetadata(RATE_LIMIT_BUCKET, bucket);
