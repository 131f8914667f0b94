import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUrl, CLONE_PREFIX, databaseUrl } from '../support/test-db-url';
import { APP_ROOT } from '../../src/paths';

const run = promisify(execFile);
const NODE = path.join(APP_ROOT, 'node_modules/.bin/node');
const CLI = path.join(APP_ROOT, 'dist/database/migrate-cli.js');

/** The migration CLI (npm run migration:run / revert) against an empty database. */
describe('migration CLI', () => {
  const name = `${CLONE_PREFIX}${process.pid}_migrations`;
  const url = databaseUrl(name);
  const admin = new Client({ connectionString: adminUrl() });

  beforeAll(async () => {
    if (!existsSync(CLI)) await run('npx', ['nest', 'build'], { cwd: APP_ROOT });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  const cli = (command: string) => run(NODE, [CLI, command], { cwd: APP_ROOT, env: { ...process.env, DB_URL: url, NODE_ENV: 'test' } });
  const tables = async () => {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows.map((r) => r.t);
    } finally {
      await c.end();
    }
  };

  it('reports pending migrations, applies them, is idempotent, and reverts', async () => {
    expect((await cli('status')).stdout).toMatch(/Pending: CoreSchema1795300000000/);
    expect((await cli('run')).stdout).toMatch(/Applied: .*CoreSchema1795300000000/);
    expect(await tables()).toEqual(expect.arrayContaining(['users', 'sessions', 'roles', 'login_attempts', 'password_reset_tokens', 'email_verification_tokens']));
    expect((await cli('run')).stdout).toMatch(/Nothing to apply/);
    expect((await cli('status')).stdout).toMatch(/The schema is current/);
    // Revert everything, newest first, until only the bookkeeping table is left.
    for (let i = 0; i < 20 && (await tables()).includes('users'); i++) await cli('revert');
    expect(await tables()).toEqual(['typeorm_migrations']);
    expect((await cli('run')).stdout).toMatch(/Applied:/);
    expect(await tables()).toContain('users');
  });

  it('refuses to run without DB_URL and names the problem', async () => {
    const err = await run(NODE, [CLI, 'run'], { cwd: APP_ROOT, env: { PATH: process.env.PATH } }).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr).toMatch(/DB_URL is not set/);
  });
});
