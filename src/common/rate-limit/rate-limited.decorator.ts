import { applyDecorators, SetMetadata } from '@nestjs/common';

export const RATE_LIMIT_BUCKET = 'rate-limit:bucket';
export const RATE_LIMIT_BY = 'rate-limit:by';

export interface RateLimitOptions {
  /**
   * A top-level request field (its JSON / camelCase name) that gets a budget of its
   * own besides the client IP's, e.g. `robloxUserId`: a request passes only while
   * both budgets last, so neither many IPs against one value nor one IP against
   * many values get through.
   */
  readonly by?: string;
}

/**
 * Limits a public method per client IP (and, with `by`, per value of a request
 * field). Both transports' handlers of one operation name the same bucket, so
 * switching transport does not double the budget.
 */
export const RateLimited = (bucket: string, options: RateLimitOptions = {}): MethodDecorator =>
  options.by
    ? applyDecorators(SetMetadata(RATE_LIMIT_BUCKET, bucket), SetMetadata(RATE_LIMIT_BY, options.by))
    : SetMetadata(RATE_LIMIT_BUCKET, bucket);
