import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext, Logger } from '@nestjs/common';
import { Client } from 'pg';
import { ConfigError, loadConfig, type AppConfig } from '../config/app-config';
import { environmentWithDotEnv } from '../config/dotenv';
import { DomainError } from '../common/errors/domain-error';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../database/embedded-postgres';
import { AdminProvisioning, type AdminPassword } from '../modules/user-admin/admin-provisioning';
import { APP_ROOT } from '../paths';
import { CliModule } from './cli.module';
import { readPassword } from './password-prompt';

const USAGE = `usage: npm run cli -- create-admin --email <address> [--send-link]

  create-admin   make <address> an administrator: an existing account is promoted,
                 otherwise one is created. Asks for its password (from stdin when
                 not a terminal), or with --send-link mails a link to choose one.`;

/** A failure to report as one plain line (and an exit code), without a stack. */
class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

interface Args {
  readonly command: string;
  readonly email: string;
  readonly sendLink: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h') throw new CliError(USAGE, 2);
  if (command !== 'create-admin') throw new CliError(`unknown command "${command}"\n${USAGE}`, 2);
  let email: string | undefined;
  let sendLink = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--send-link') sendLink = true;
    else if (arg === '--email') email = rest[++i];
    else if (arg.startsWith('--email=')) email = arg.slice('--email='.length);
    else throw new CliError(`unknown option "${arg}"\n${USAGE}`, 2);
  }
  if (!email) throw new CliError(`--email is required\n${USAGE}`, 2);
  return { command, email, sendLink };
}

/** DB_URL, else the embedded development database: the running service's, or started here for the command. */
async function resolveDatabase(config: AppConfig): Promise<{ url: string; migrate: boolean; embedded?: EmbeddedDatabase }> {
  if (config.db.url) return { url: config.db.url, migrate: false };
  const dataDir = path.resolve(APP_ROOT, config.db.embedded.dataDir);
  const passwordFile = `${dataDir}.password`;
  if (existsSync(passwordFile)) {
    const password = readFileSync(passwordFile, 'utf8').trim();
    const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${config.db.embedded.port}/auth`;
    const probe = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await probe.connect();
      return { url, migrate: true };
    } catch {
      // Not running: start it below for the duration of the command.
    } finally {
      await probe.end().catch(() => undefined);
    }
  }
  const quiet = { log: () => undefined, debug: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;
  const embedded = await startEmbeddedPostgres(config, quiet);
  return { url: embedded.url, migrate: true, embedded };
}

async function createAdmin(app: INestApplicationContext, args: Args): Promise<void> {
  const provisioning = app.get(AdminProvisioning);
  const email = provisioning.normalizeEmail(args.email);
  if (args.sendLink && !provisioning.mailDelivers) {
    throw new CliError('--send-link needs the mail capability, which this build does not have; run without --send-link to set a password');
  }
  const password = async (): Promise<AdminPassword> => {
    if (args.sendLink) return { sendLink: true };
    const value = await readPassword(`Password for ${email}: `, 'Repeat the password: ');
    provisioning.checkPassword(email, value);
    return { password: value };
  };
  const { outcome, user } = await provisioning.ensureAdmin(email, password);
  switch (outcome) {
    case 'created':
      console.log(`Created administrator ${email} (id ${user.id}).`);
      if (args.sendLink) console.log(`A link to choose a password has been queued for ${email}.`);
      break;
    case 'promoted':
      console.log(`${email} (id ${user.id}) is now an administrator.`);
      break;
    case 'already-admin':
      console.log(`${email} (id ${user.id}) is already an administrator; nothing changed.`);
      break;
  }
  if (outcome !== 'created' && user.status !== 'active') console.log(`Note: the account is ${user.status}.`);
}

function describe(e: unknown): string {
  if (e instanceof CliError) return e.message;
  if (e instanceof ConfigError) return e.message;
  if (e instanceof DomainError) {
    const details = e.violations.map((v) => `\n  - ${v.field}: ${v.description}`).join('');
    return `${e.message}${details}`;
  }
  const code = (e as { code?: unknown })?.code;
  if (code === '42P01') return 'the database is not migrated: run `npm run migration:run` first';
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === '28P01' || code === '3D000') {
    return `cannot connect to the database: ${(e as Error).message}`;
  }
  return e instanceof Error ? e.message : String(e);
}

async function main(): Promise<number> {
  let app: INestApplicationContext | undefined;
  let embedded: EmbeddedDatabase | undefined;
  try {
    const args = parseArgs(process.argv.slice(2));
    const loaded = loadConfig(environmentWithDotEnv());
    // The CLI only queues mail; the running service's outbox worker delivers it.
    const config: AppConfig = { ...loaded, mail: { ...loaded.mail, outboxPollMs: 0 } };
    const database = await resolveDatabase(config);
    embedded = database.embedded;
    app = await NestFactory.createApplicationContext(CliModule.forRoot(config, database), { logger: false, abortOnError: false });
    await createAdmin(app, args);
    return 0;
  } catch (e) {
    const exitCode = e instanceof CliError ? e.exitCode : 1;
    process.stderr.write(exitCode === 2 ? `${describe(e)}\n` : `error: ${describe(e)}\n`);
    return exitCode;
  } finally {
    await app?.close().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
  }
}

void main().then((code) => process.exit(code));
