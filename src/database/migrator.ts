import type { DataSource } from 'typeorm';

/** Any fixed number: serialises migration runs across replicas started at once. */
const MIGRATION_LOCK_ID = 4_711_2026;

/** Applies pending migrations under an advisory lock; returns the names applied. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await lock.release();
  }
}

/**
 * Names of migrations this build has that the database has not applied. A
 * database without the migrations table has applied none. Read-only: unlike
 * TypeORM's showMigrations it never creates the table.
 */
export async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  const known = dataSource.migrations.map((m) => m.name!).filter(Boolean);
  const rows = (await dataSource.query(
    `SELECT to_regclass('typeorm_migrations') IS NOT NULL AS present`,
  )) as { present: boolean }[];
  if (!rows[0]?.present) return known;
  const done = new Set(((await dataSource.query('SELECT name FROM typeorm_migrations')) as { name: string }[]).map((r) => r.name));
  return known.filter((n) => !done.has(n));
}
