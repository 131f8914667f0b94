import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import type { AppConfig } from '../../config/app-config';
import { RateLimitGuard } from './rate-limit.guard';

/** In-memory counters: each replica limits on its own (see README). */
@Global()
@Module({})
export class RateLimitModule {
  static forRoot(config: AppConfig): DynamicModule {
    const { enabled, ttlSeconds, limit } = config.rateLimit;
    return {
      module: RateLimitModule,
      imports: [
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'public', ttl: ttlSeconds * 1000, limit, blockDuration: ttlSeconds * 1000 }],
          skipIf: () => !enabled,
        }),
      ],
      providers: [RateLimitGuard],
      exports: [RateLimitGuard],
    };
  }
}
