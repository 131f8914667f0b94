import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports';
import { spawnService } from '../support/service-process';

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * A newcomer's first run as root from a directory the `postgres` system user cannot
 * enter (a clone under /root, mode 0700): the embedded PostgreSQL cannot run there.
 * The service must say so in one line and exit 1, not crash with an unhandled spawn
 * EACCES stack. Only meaningful as root (CI runs as root).
 */
describe('embedded PostgreSQL in a directory the postgres user cannot enter', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'auth-private-'));
    await chmod(tmp, 0o700);
    await mkdir(path.join(tmp, 'data'), { recursive: true });
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it.runIf(asRoot)('stops with one clear line that says what to do', async () => {
    const proc = spawnService({
      NODE_ENV: 'development',
      EMBEDDED_DB_DIR: path.join(tmp, 'data', 'pg'),
      EMBEDDED_DB_PORT: String(await freePort()),
      PORT: String(await freePort()),
      GRPC_PORT: String(await freePort()),
      HOST: '127.0.0.1',
      GRPC_HOST: '127.0.0.1',
    });
    const exit = await proc.exited;
    expect(exit.code).toBe(1);
    const stderr = proc.stderr.join('\n');
    expect(stderr).toContain('Startup failed: The embedded PostgreSQL runs as the system user "postgres"');
    expect(stderr).toContain('set DB_URL');
    expect(stderr).not.toMatch(/EACCES|\n\s+at /);
  }, 60_000);
});
