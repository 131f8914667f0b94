import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { loadSqlMigrations } from './sql-migrations';

/**
 * The one TypeORM DataSource. Never `synchronize`: the schema comes only
 * from the versioned SQL migrations.
 */
export function createDataSource(config: AppConfig, url: string, options: { forMigrations?: boolean } = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    password: config.db.password?.reveal(),
    // No entities: repositories speak parameterised SQL through Db (see README, Architecture).
    entities: [],
    migrations: loadSqlMigrations(),
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    applicationName: config.serviceName,
    extra: {
      max: config.db.poolMax,
      min: config.db.poolMin,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      // A bound on every statement, so a stuck query cannot hang a request forever;
      // not for migrations, whose index builds on a large table may take minutes.
      statement_timeout: options.forMigrations ? 0 : 15_000,
    },
  });
}
