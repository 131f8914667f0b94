import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type { AppConfig } from '../../config/app-config';
import { RateLimitGuard } from './rate-limit.guard';
import { RATE_LIMIT_STORE_ERRORS, RateLimitStorage } from './rate-limit.storage';

@Module({
  providers: [
    makeCounterProvider({ name: RATE_LIMIT_STORE_ERRORS, help: 'Rate-limit checks the shared store (Redis) failed; those requests were counted in their replica only' }),
    RateLimitStorage,
  ],
  exports: [RateLimitStorage],
})
class RateLimitStorageModule {}

/** Counters in Redis (shared by the replicas) with REDIS_URL, else in this process; see RateLimitStorage. */
@Global()
@Module({})
export class RateLimitModule {
  static forRoot(config: AppConfig): DynamicModule {
    const { enabled, ttlSeconds, limit } = config.rateLimit;
    return {
      module: RateLimitModule,
      imports: [
        ThrottlerModule.forRootAsync({
          imports: [RateLimitStorageModule],
          inject: [RateLimitStorage],
          useFactory: (storage: RateLimitStorage) => ({
            throttlers: [{ name: 'public', ttl: ttlSeconds * 1000, limit, blockDuration: ttlSeconds * 1000 }],
            skipIf: () => !enabled,
            storage,
          }),
        }),
      ],
      providers: [RateLimitGuard],
      exports: [RateLimitGuard],
    };
  }
}
