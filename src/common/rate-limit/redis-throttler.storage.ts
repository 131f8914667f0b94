import { createHash } from 'node:crypto';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export type ThrottlerRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * @nestjs/throttler's storage over rate-limiter-flexible's RateLimiterRedis, so
 * every replica counts in the same keys. The increment and the window's expiry
 * are one Lua script, atomic in Redis: of concurrent requests on different
 * replicas only as many as the limit allows see a count within it. Crossing the
 * limit blocks the key for `blockDuration` (one more SET; requests arriving
 * meanwhile already count past the limit and are refused). A store failure
 * (unreachable, slower than the client's command timeout) rejects with the
 * client's Error; the caller decides what then.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  /** One limiter per (limit, window, block) a throttler asks for; the guard has one. */
  private readonly limiters = new Map<string, RateLimiterRedis>();

  constructor(
    private readonly client: Redis,
    private readonly keyPrefix: string,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerRecord> {
    const limiter = this.limiterFor(ttl, limit, blockDuration, throttlerName);
    // Keys carry client IPs and e-mail addresses; Redis only ever holds their digest.
    const digest = createHash('sha256').update(key).digest('base64url');
    try {
      return recordOf(await limiter.consume(digest), false);
    } catch (e) {
      if (e instanceof RateLimiterRes) return recordOf(e, true);
      throw e;
    }
  }

  private limiterFor(ttl: number, limit: number, blockDuration: number, throttlerName: string): RateLimiterRedis {
    const id = `${throttlerName}:${limit}:${ttl}:${blockDuration}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: this.client,
        // Not the configured limit or window: a rolling update that changes them keeps one budget.
        keyPrefix: `${this.keyPrefix}rl`,
        points: limit,
        duration: Math.max(1, Math.ceil(ttl / 1000)),
        blockDuration: Math.max(0, Math.ceil(blockDuration / 1000)),
        // Fail at once instead of queueing while the connection is down.
        rejectIfRedisNotReady: true,
      });
      this.limiters.set(id, limiter);
    }
    return limiter;
  }
}

function recordOf(res: RateLimiterRes, refused: boolean): ThrottlerRecord {
  const seconds = Math.max(0, Math.ceil(res.msBeforeNext / 1000));
  return { totalHits: res.consumedPoints, timeToExpire: seconds, isBlocked: refused, timeToBlockExpire: refused ? Math.max(1, seconds) : 0 };
}
