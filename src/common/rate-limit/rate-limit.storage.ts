import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Redis } from 'ioredis';
import type { Counter } from 'prom-client';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { createRedisClient, describeRedisError } from './redis-client';
import { RedisThrottlerStorage, type ThrottlerRecord } from './redis-throttler.storage';

export const RATE_LIMIT_STORE_ERRORS = 'rate_limit_store_errors_total';
/** One warning per outage and then at most one per minute, never one per request. */
const WARN_EVERY_MS = 60_000;
/**
 * After a failure, Redis is left alone this long before it is asked again: a hung Redis
 * would otherwise cost every request REDIS_TIMEOUT_MS, not just the first one.
 */
export const SHARED_RETRY_AFTER_MS = 2_000;

/**
 * Where the rate limiter counts. With REDIS_URL: in Redis, shared by every
 * replica. Without: in this process (each replica limits on its own).
 *
 * When Redis fails (down, or slower than REDIS_TIMEOUT_MS) the request is not
 * refused and does not wait: it is counted in this process instead, i.e. the
 * limits degrade to per-replica ones (what a deployment without Redis has)
 * rather than to none, so a Redis outage neither takes sign-in down nor opens
 * it to unlimited guessing. After a failure Redis is asked again only after
 * SHARED_RETRY_AFTER_MS, so a hung Redis costs one timeout, not one per request.
 * Each request counted locally counts in rate_limit_store_errors_total;
 * the log gets a warning per outage (then at most one a minute) and a line when
 * Redis answers again. Readiness does not depend on Redis.
 */
@Injectable()
export class RateLimitStorage implements ThrottlerStorage, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly local = new ThrottlerStorageService();
  private readonly client?: Redis;
  private readonly shared?: RedisThrottlerStorage;
  private connecting?: Promise<void>;
  private failing = false;
  /** Until when (epoch ms) requests count locally without asking Redis, after a failure. */
  private localUntil = 0;
  private lastWarningAt = 0;
  private unreported = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectMetric(RATE_LIMIT_STORE_ERRORS) private readonly storeErrors: Counter<string>,
  ) {
    const { redis } = config;
    if (redis.url) {
      this.client = createRedisClient({ ...redis, url: redis.url });
      this.client.on('error', (e: unknown) => this.warn(`Redis connection failed: ${describeRedisError(e)}`));
      this.shared = new RedisThrottlerStorage(this.client, redis.keyPrefix);
    }
  }

  /**
   * Connects before traffic arrives, waiting a bounded time: a Redis that is
   * down at boot only means local counting until it is back, never a failed start.
   * (Idempotent: Nest calls it once per module that exposes this instance.)
   */
  onModuleInit(): Promise<void> {
    if (!this.client || !this.config.rateLimit.enabled) return Promise.resolve();
    this.connecting ??= new Promise<void>((resolve) => {
      const bound = setTimeout(resolve, Math.max(1_000, this.config.redis.timeoutMs * 4));
      bound.unref();
      this.client!.connect().then(
        () => this.logger.log('Rate-limit counters are shared through Redis'),
        () => undefined, // reported by the 'error' listener; reconnecting in the background
      ).finally(() => {
        clearTimeout(bound);
        resolve();
      });
    });
    return this.connecting;
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerRecord> {
    if (!this.shared) return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
    if (Date.now() < this.localUntil) {
      // Counted as a store error too: this request was limited in this replica only.
      this.storeErrors.inc();
      return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
    }
    try {
      const record = await this.shared.increment(key, ttl, limit, blockDuration, throttlerName);
      if (this.failing) {
        this.failing = false;
        this.logger.log('Rate-limit store (Redis) answers again; counters are shared');
      }
      return record;
    } catch (e) {
      this.storeErrors.inc();
      this.failing = true;
      this.localUntil = Date.now() + SHARED_RETRY_AFTER_MS;
      this.warn(`Rate-limit store (Redis) failed: ${describeRedisError(e)}; counting in this replica until it answers again`);
      return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
    }
  }

  onApplicationShutdown(): void {
    this.local.onApplicationShutdown();
    // disconnect(), not quit(): a hung Redis must not hold shutdown.
    this.client?.disconnect();
  }

  private warn(message: string): void {
    const now = Date.now();
    if (now - this.lastWarningAt < WARN_EVERY_MS) {
      this.unreported += 1;
      return;
    }
    const more = this.unreported ? ` (${this.unreported} more since the last warning)` : '';
    this.lastWarningAt = now;
    this.unreported = 0;
    this.logger.warn(message + more);
  }
}
