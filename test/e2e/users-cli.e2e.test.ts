import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/app-config';
import { BootstrapAdminService } from '../../src/modules/user-admin/bootstrap-admin.service';
import { APP_ROOT } from '../../src/paths';
import { bootTestApp, type TestApp } from '../support/app';
import { credentials, uniqueEmail } from '../support/factories';
import { collect } from '../support/users';
import { createTestDatabase, type TestDatabase } from '../support/test-db';

const CLI = path.join(APP_ROOT, 'dist/cli/main.js');
const NODE = existsSync(path.join(APP_ROOT, 'node_modules/.bin/node')) ? path.join(APP_ROOT, 'node_modules/.bin/node') : process.execPath;

/** The built CLI (`npm run cli`) as a child process: stdin piped (not a TTY), output captured. */
function runCli(args: string[], env: Record<string, string>, stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('the first administrator: `npm run cli -- create-admin` (built CLI)', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    expect(existsSync(CLI), 'dist/cli/main.js: run `npm run build` first (npm test does)').toBe(true);
    db = await createTestDatabase();
    env = { DB_URL: db.url };
  });
  afterAll(async () => {
    await db?.drop();
  });

  const userRow = (email: string) =>
    db.sql<{ role: string; password_hash: string | null; status: string }>('SELECT role, password_hash, status FROM users WHERE email = $1', [email]);

  it('creates an administrator with a password read from stdin, then says it already is one', async () => {
    const email = uniqueEmail('boss');
    const first = await runCli(['create-admin', '--email', email.toUpperCase()], env, 'strong-pass-42\n');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^Created administrator ${email} \\(id [0-9a-f-]{36}\\)\\.\\n$`));
    const [row] = await userRow(email);
    expect(row.role).toBe('admin');
    expect(row.password_hash).toMatch(/^\$argon2id\$/);

    const second = await runCli(['create-admin', `--email=${email}`], env, '');
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/is already an administrator; nothing changed\.\n$/);
    expect(await userRow(email)).toHaveLength(1);
    expect((await userRow(email))[0].password_hash).toBe(row.password_hash);
  });

  it('promotes an existing account without touching its password', async () => {
    const email = uniqueEmail('promote');
    await db.sql(`INSERT INTO users (email, password_hash, role) VALUES ($1, 'kept-hash', 'user')`, [email]);
    const res = await runCli(['create-admin', '--email', email], env);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/is now an administrator\.\n$/);
    expect(await userRow(email)).toEqual([{ role: 'admin', password_hash: 'kept-hash', status: 'active' }]);
  });

  it('queues a set-password mail with --send-link instead of asking for a password', async () => {
    const email = uniqueEmail('link');
    const res = await runCli(['create-admin', '--email', email, '--send-link'], env);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`A link to choose a password has been queued for ${email}.`);
    expect((await userRow(email))[0]).toMatchObject({ role: 'admin', password_hash: null });
    const mails = await db.sql<{ template: string }>('SELECT template FROM mail_outbox WHERE recipient = $1', [email]);
    expect(mails.map((m) => m.template)).toEqual(['set-password']);
  });

  it('fails with a clear message and a non-zero exit: weak password, usage, unreachable database', async () => {
    const email = uniqueEmail('weak');
    const weak = await runCli(['create-admin', '--email', email], env, 'weak\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('error: Password does not meet the policy');
    expect(weak.stderr).toContain('must be at least 8 characters long');
    expect(await userRow(email)).toEqual([]);

    const empty = await runCli(['create-admin', '--email', uniqueEmail('empty')], env, '');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toBe('error: no password on standard input\n');

    const usage = await runCli(['create-admin'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^--email is required\nusage: npm run cli -- create-admin/);
    expect((await runCli(['drop-everything'], env)).code).toBe(2);
    const badEmail = await runCli(['create-admin', '--email', 'not-an-email'], env);
    expect(badEmail.code).toBe(1);
    expect(badEmail.stderr).toContain('email: must be a valid email address');

    const down = await runCli(['create-admin', '--email', uniqueEmail('x')], { DB_URL: 'postgres://postgres@127.0.0.1:1/nowhere' });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^error: cannot connect to the database/);
  });
});

describe('the first administrator: BOOTSTRAP_ADMIN_EMAIL + BOOTSTRAP_ADMIN_PASSWORD_FILE', () => {
  let app: TestApp;
  let dir: string;
  const email = uniqueEmail('bootstrap');
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bootstrap-'));
    writeFileSync(path.join(dir, 'password'), 'unattended-pass-1\n');
    app = await bootTestApp({ BOOTSTRAP_ADMIN_EMAIL: email, BOOTSTRAP_ADMIN_PASSWORD_FILE: path.join(dir, 'password') });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the administrator at startup, idempotently, never overwriting a changed password', async () => {
    const signIn = await app.http('POST', '/v1/auth/authenticate', { body: credentials(email, 'unattended-pass-1') });
    expect(signIn.body.status).toBe('AUTH_STATUS_SUCCESS');
    expect(signIn.body.user.role).toBe('USER_ROLE_ADMIN');
    const other = await app.http('POST', '/v1/auth/signup', { body: credentials(uniqueEmail('someone')) });
    const everyone = await collect(app, 'ListUsersInfo', {}, signIn.body.tokens.accessToken);
    expect(everyone.map((u) => u.id.value)).toContain(other.body.user.userId);

    await app.http('PUT', `/v1/users/${signIn.body.user.userId}/password`, { token: signIn.body.tokens.accessToken, body: { password: 'changed-later-2' } });
    // A restart runs the bootstrap again.
    await app.running.app.get(BootstrapAdminService).onApplicationBootstrap();
    const rows = await app.db.sql('SELECT role FROM users WHERE email = $1', [email]);
    expect(rows).toEqual([{ role: 'admin' }]);
    expect((await app.http('POST', '/v1/auth/authenticate', { body: credentials(email, 'changed-later-2') })).body.status).toBe('AUTH_STATUS_SUCCESS');
    expect(app.logs.filter((l) => l.includes('Bootstrap administrator')).map((l) => JSON.parse(l).outcome)).toEqual(['created', 'already-admin']);
  });

  it('names a bad BOOTSTRAP_ADMIN_EMAIL at startup', () => {
    expect(() => loadConfig({ BOOTSTRAP_ADMIN_EMAIL: 'nope' })).toThrow(ConfigError);
    expect(() => loadConfig({ BOOTSTRAP_ADMIN_EMAIL: 'nope' })).toThrow(/BOOTSTRAP_ADMIN_EMAIL must be an email address/);
  });
});
