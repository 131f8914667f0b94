import { loadConfig, ConfigError } from '../config/app-config';
import { environmentWithDotEnv } from '../config/dotenv';
import { createDataSource } from './data-source';
import { runMigrations, pendingMigrations } from './migrator';

/**
 * `npm run migration:run` / `migration:revert` (and the Helm migration Job):
 * applies or reverts migrations on DB_URL.
 */
async function main(): Promise<void> {
  const command = process.argv[2];
  if (command !== 'run' && command !== 'revert' && command !== 'status') {
    console.error('usage: migrate-cli run|revert|status');
    process.exit(2);
  }
  const config = loadConfig(environmentWithDotEnv());
  if (!config.db.url) {
    console.error('DB_URL is not set: the embedded database migrates itself on `npm start`');
    process.exit(2);
  }
  const dataSource = await createDataSource(config, config.db.url, { forMigrations: true }).initialize();
  try {
    if (command === 'run') {
      const applied = await runMigrations(dataSource);
      console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Nothing to apply: the schema is current');
    } else if (command === 'revert') {
      await dataSource.undoLastMigration({ transaction: 'each' });
      console.log('Reverted the last migration');
    } else {
      const pending = await pendingMigrations(dataSource);
      console.log(pending.length ? `Pending: ${pending.join(', ')}` : 'The schema is current');
    }
  } finally {
    await dataSource.destroy();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof ConfigError ? e.message : `Migration failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
