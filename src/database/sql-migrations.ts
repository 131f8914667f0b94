import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MIGRATIONS_DIR } from '../paths';

const FILE_NAME = /^(\d{13})-([a-z0-9-]+)\.sql$/;
const DOWN_MARKER = /^--\s*migrate:down\s*$/m;

/**
 * Versioned migrations are plain SQL files (`<13-digit version>-<name>.sql`,
 * an optional `-- migrate:down` section) run by TypeORM's migration runner,
 * so `typeorm_migrations` records them and revert works.
 */
export function loadSqlMigrations(dir: string = MIGRATIONS_DIR): (new () => MigrationInterface)[] {
  return readdirSync(dir)
    .filter((f) => FILE_NAME.test(f))
    .sort()
    .map((file) => {
      const [, version, slug] = FILE_NAME.exec(file)!;
      const [up, down] = readFileSync(path.join(dir, file), 'utf8').split(DOWN_MARKER);
      const name = slug.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase()) + version;
      const migration = class implements MigrationInterface {
        name = name;
        async up(q: QueryRunner): Promise<void> {
          await q.query(up);
        }
        async down(q: QueryRunner): Promise<void> {
          if (!down?.trim()) throw new Error(`Migration ${file} has no down section`);
          await q.query(down);
        }
      };
      Object.defineProperty(migration, 'name', { value: name });
      return migration;
    });
}
