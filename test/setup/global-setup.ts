import type { TestProject } from 'vitest/node';
import { Client } from 'pg';
import { createDataSource } from '../../src/database/data-source';
import { runMigrations } from '../../src/database/migrator';
import { loadConfig } from '../../src/config/app-config';
import { adminUrl, databaseUrl, TEMPLATE_PREFIX } from '../support/test-db-url';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

/**
 * Migrates one template database per run; each test file clones it
 * (CREATE DATABASE ... TEMPLATE, about 20 ms) and works on its own copy.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const template = `${TEMPLATE_PREFIX}${process.pid}`;
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await dropStale(admin);
    await admin.query(`CREATE DATABASE ${template}`);
  } finally {
    await admin.end();
  }
  const config = loadConfig({ NODE_ENV: 'test', DB_URL: databaseUrl(template) });
  const dataSource = await createDataSource(config, databaseUrl(template), { forMigrations: true }).initialize();
  try {
    await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
  project.provide('templateDatabase', template);

  return async () => {
    const c = new Client({ connectionString: adminUrl() });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    } finally {
      await c.end();
    }
  };
}

/** Databases left by runs that were killed: templates and clones whose owner process is gone. */
async function dropStale(admin: Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE 'auth_t%' AND datistemplate = false`,
  );
  for (const { datname } of rows) {
    const pid = Number(/_(\d+)(?:_|$)/.exec(datname)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) continue;
    await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
