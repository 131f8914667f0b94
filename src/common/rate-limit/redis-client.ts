import { Redis } from 'ioredis';
import type { AppConfig } from '../../config/app-config';

/**
 * The Redis connection of the rate limiter, configured so that Redis can never
 * hold a request up: no offline queue (a command while disconnected fails at
 * once), no retries of a command, every command bounded by REDIS_TIMEOUT_MS.
 * The connection itself is retried in the background forever (at most every
 * 2 s), so counting resumes on its own when Redis is back.
 */
export function createRedisClient(redis: AppConfig['redis'] & { url: NonNullable<AppConfig['redis']['url']> }): Redis {
  return new Redis(redis.url.reveal(), {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: redis.timeoutMs,
    connectTimeout: Math.max(1_000, redis.timeoutMs),
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    // The default re-sends commands in flight on reconnect; they have already failed over.
    autoResendUnfulfilledCommands: false,
  });
}

/** Error text safe to log: a URL's credentials (if a client ever echoed one) are cut out. */
export function describeRedisError(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.replace(/([a-z][a-z0-9+.-]*:\/\/)[^@\s/]*@/gi, '$1[redacted]@').slice(0, 300);
}
