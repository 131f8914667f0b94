import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { Clock, SystemClock } from './common/clock';
import { CommonModule } from './common/common.module';
import { ObservabilityModule } from './common/observability/observability.module';
import { loggerParams } from './common/observability/logger.options';
import { DatabaseModule, type DatabaseOptions } from './database/database.module';
import { AuthModule } from './modules/auth/auth.module';
import { HealthModule } from './modules/health/health.module';
import { PortfolioModule } from './modules/portfolio/portfolio.module';
import { RecoveryModule } from './modules/recovery/recovery.module';
import { OAuthModule } from './modules/oauth/oauth.module';
import { RobloxVerificationModule } from './modules/roblox-verification/roblox-verification.module';
import { TotpModule } from './modules/totp/totp.module';
import { SessionsModule } from './modules/sessions/sessions.module';
import { UserAdminModule } from './modules/user-admin/user-admin.module';
import { NetworkModule } from './common/network/network.module';
import { RateLimitModule } from './common/rate-limit/rate-limit.module';

export interface AppModuleOptions {
  readonly config: AppConfig;
  readonly database: DatabaseOptions;
  /** Tests pass a ManualClock. */
  readonly clock?: Clock;
  readonly logStream?: NodeJS.WritableStream;
}

/** Imports feature modules only; cross-cutting pieces come from common/. */
@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(options.config),
        LoggerModule.forRoot(loggerParams(options.config, options.logStream)),
        CommonModule.forRoot(options.clock ?? new SystemClock()),
        ObservabilityModule.forRoot(),
        NetworkModule,
        RateLimitModule.forRoot(options.config),
        DatabaseModule.forRoot(options.database),
        HealthModule,
        SessionsModule,
        AuthModule,
        TotpModule,
        RecoveryModule,
        UserAdminModule,
        RobloxVerificationModule,
        PortfolioModule,
        OAuthModule,
      ],
    };
  }
}
