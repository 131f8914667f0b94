import { Global, Inject, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { createDataSource } from './data-source';
import { Db } from './db';
import { runMigrations } from './migrator';

export interface DatabaseOptions {
  readonly url: string;
  /** Apply pending migrations before serving (embedded mode or DB_MIGRATE_ON_START). */
  readonly migrate: boolean;
}

@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  static forRoot(options: DatabaseOptions): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: DataSource,
          inject: [APP_CONFIG],
          useFactory: async (config: AppConfig) => {
            if (options.migrate) {
              const migrator = await createDataSource(config, options.url, { forMigrations: true }).initialize();
              try {
                const applied = await runMigrations(migrator);
                if (applied.length) new Logger('Database').log(`Applied migrations: ${applied.join(', ')}`);
              } finally {
                await migrator.destroy();
              }
            }
            return createDataSource(config, options.url).initialize();
          },
        },
        Db,
      ],
      exports: [DataSource, Db],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) {
      await this.dataSource.destroy();
      this.logger.log('Database pool closed');
    }
  }
}
