import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ROOT } from '../../src/paths';
import { healthCheck } from '../support/grpc-infra-clients';
import { freePort } from '../support/ports';
import { isBuilt, parseJsonLines, spawnService, type ServiceProcess } from '../support/service-process';
import { createTestDatabase, type TestDatabase } from '../support/test-db';

const SHUTDOWN_GRACE_MS = 10_000;
const BURST = 24;

/** `npm test` builds first; a direct vitest run without dist/ builds here, once. */
function ensureBuilt(): void {
  if (isBuilt()) return;
  execFileSync(path.join(APP_ROOT, 'node_modules', '.bin', 'node'), [path.join(APP_ROOT, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'build'], {
    cwd: APP_ROOT,
    stdio: 'pipe',
    timeout: 120_000,
  });
}

type Probe = { status: number } | { error: string };

/**
 * One GET on a fresh connection (no keep-alive pool), with a short timeout. A refused
 * or reset connection is an answer too: the listener is closed or closing.
 */
function probe(url: string): Promise<Probe> {
  return new Promise((resolve) => {
    const req = httpGet(url, { agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      res.once('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.once('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    });
    req.once('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.once('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
  });
}

const NOT_ACCEPTING = ['ECONNREFUSED', 'ECONNRESET'];

async function waitReady(proc: ServiceProcess, httpUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.running) throw new Error(`service exited before it was ready:\n${[...proc.stderr, ...proc.stdout].slice(-20).join('\n')}`);
    const p = await probe(`${httpUrl}/health/ready`);
    if ('status' in p && p.status === 200) return;
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms (last: ${JSON.stringify(p)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface SignupResult {
  readonly status: number | string;
  readonly body?: { status?: string };
  readonly doneAt: number;
}

/** Fires `n` signups at once (each an argon2 hash, queued behind the hasher's small concurrency). */
function signupBurst(httpUrl: string, n: number): { passwords: string[]; results: Promise<SignupResult>[] } {
  const passwords = Array.from({ length: n }, () => `pw-${randomBytes(9).toString('base64url')}-7`);
  const results = passwords.map(async (password, i): Promise<SignupResult> => {
    try {
      const res = await fetch(`${httpUrl}/v1/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          identifier: `burst-${i}-${randomUUID()}@example.com`,
          password,
          installationId: randomUUID(),
          clientInfo: { deviceId: `dev-${i}` },
        }),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, doneAt: Date.now() };
    } catch (e) {
      return { status: (e as { cause?: { code?: string } }).cause?.code ?? String(e), doneAt: Date.now() };
    }
  });
  return { passwords, results };
}

/** Password hashes the server is running or holding for a slot, from its own gauge. */
async function hashesInServer(httpUrl: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
  let n = 0;
  for (const m of text.matchAll(/^password_hash_queue_depth\{state="(?:running|waiting)"\} (\d+)$/gm)) n += Number(m[1]);
  return n;
}

/**
 * Waits until every request of the burst is provably inside the server: answered, or
 * counted by the server's hash queue. (On a loaded machine the first answer can come
 * back before the last requests of the burst have even been written.)
 */
async function whenBurstIsInside(httpUrl: string, results: readonly Promise<SignupResult>[]): Promise<void> {
  let settled = 0;
  for (const r of results) void r.finally(() => settled++);
  const deadline = Date.now() + 15_000;
  while ((await hashesInServer(httpUrl)) + settled < BURST) {
    if (Date.now() > deadline) throw new Error(`the burst never fully reached the server (${settled} answered)`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** SIGTERM once the whole burst is inside the server; watches readiness while it drains. */
async function terminateUnderLoad(proc: ServiceProcess, httpUrl: string) {
  const burst = signupBurst(httpUrl, BURST);
  await whenBurstIsInside(httpUrl, burst.results);
  const sigtermAt = Date.now();
  proc.child.kill('SIGTERM');
  let notReady: { probe: Probe; at: number } | undefined;
  while (!notReady && Date.now() - sigtermAt < 3_000) {
    const p = await probe(`${httpUrl}/health/ready`);
    if (!('status' in p && p.status === 200)) notReady = { probe: p, at: Date.now() };
  }
  const results = await Promise.all(burst.results);
  const exit = await Promise.race([
    proc.exited,
    new Promise<undefined>((r) => setTimeout(() => r(undefined), SHUTDOWN_GRACE_MS + 10_000)),
  ]);
  return { sigtermAt, notReady, results, passwords: burst.passwords, exit, lastDoneAt: Math.max(...results.map((r) => r.doneAt)) };
}

type Run = Awaited<ReturnType<typeof terminateUnderLoad>>;

/** Not-ready first, every in-flight request answered, then a prompt exit 0: drained, not cut off by the grace timer. */
function expectGracefulDrain(run: Run, logs: readonly string[]): void {
  expect(run.notReady, 'readiness still 200 3 s after SIGTERM').toBeDefined();
  expect(run.notReady!.probe).toSatisfy((p: Probe) => ('status' in p ? p.status === 503 : NOT_ACCEPTING.includes(p.error)));
  expect(run.notReady!.at - run.sigtermAt).toBeLessThan(1_000);
  expect(run.notReady!.at, 'readiness turned after the last in-flight request finished').toBeLessThan(run.lastDoneAt);

  expect(run.results.map((r) => r.status)).toEqual(Array(BURST).fill(200));
  expect(run.results.every((r) => r.body?.status === 'AUTH_STATUS_SUCCESS')).toBe(true);

  expect(run.exit, `no exit within ${SHUTDOWN_GRACE_MS + 10_000} ms of SIGTERM`).toBeDefined();
  expect(run.exit).toMatchObject({ code: 0, signal: null });
  expect(run.exit!.at - run.sigtermAt).toBeLessThan(SHUTDOWN_GRACE_MS + 5_000);
  // Keep-alive connections that carried the burst must not hold the close to the grace timeout.
  expect(run.exit!.at - run.lastDoneAt).toBeLessThan(3_000);
  expect(logs.find((l) => /did not finish within/.test(l))).toBeUndefined();
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}


describe('the built service as a process', () => {
  beforeAll(() => ensureBuilt(), 180_000);

  describe('on an external database, in production mode', () => {
    let db: TestDatabase;
    let proc: ServiceProcess | undefined;
    let httpUrl: string;
    const jwtSecret = `jwt-${randomBytes(24).toString('hex')}`;

    beforeAll(async () => {
      db = await createTestDatabase();
      const [port, grpcPort] = [await freePort(), await freePort()];
      httpUrl = `http://127.0.0.1:${port}`;
      proc = spawnService({
        NODE_ENV: 'production',
        DB_URL: db.url,
        DB_MIGRATE_ON_START: 'true',
        JWT_SECRET_KEY: jwtSecret,
        JSON_LOGS: 'true',
        LOG_LEVEL: 'info',
        PORT: String(port),
        GRPC_PORT: String(grpcPort),
        HOST: '127.0.0.1',
        GRPC_HOST: '127.0.0.1',
        SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS),
        // The burst measures draining, not throttling.
        RATE_LIMIT_ENABLED: 'false',
      });
      await waitReady(proc, httpUrl, 30_000);
    }, 60_000);

    afterAll(async () => {
      await proc?.stop();
      await db?.drop();
    });

    it('on SIGTERM turns not-ready first, finishes in-flight requests, exits 0, and never logs a secret', async () => {
      const run = await terminateUnderLoad(proc!, httpUrl);

      expectGracefulDrain(run, proc!.stdout);
      expect(Number((await db.sql<{ n: string }>('SELECT count(*) AS n FROM users'))[0].n)).toBe(BURST);

      const { json, other } = parseJsonLines(proc!.stdout);
      expect(other, 'stdout lines that are not JSON').toEqual([]);
      expect(json.length).toBeGreaterThan(BURST);
      expect(json.every((l) => typeof l.level === 'number' && typeof l.time === 'number' && typeof l.msg === 'string')).toBe(true);
      expect(json.some((l) => l.msg === 'Shutting down (SIGTERM)')).toBe(true);
      const signupLogs = json.filter((l) => (l.req as { url?: string } | undefined)?.url === '/v1/auth/signup');
      expect(signupLogs.map((l) => (l.res as { statusCode?: number }).statusCode)).toEqual(Array(BURST).fill(200));
      const everything = [...proc!.stdout, ...proc!.stderr].join('\n');
      expect(everything).not.toContain(jwtSecret);
      for (const pw of run.passwords) expect(everything).not.toContain(pw);
    }, 60_000);
  });

  describe('with no database configured (embedded PostgreSQL), in development mode', () => {
    let tmp: string;
    let dataDir: string;
    let embeddedPort: number;
    let proc: ServiceProcess | undefined;
    let httpUrl: string;
    let grpcAddress: string;

    beforeAll(async () => {
      // The service runs PostgreSQL as the `postgres` system user, which must traverse the parent.
      tmp = await mkdtemp(path.join(tmpdir(), 'auth-embedded-'));
      await chmod(tmp, 0o755);
      // A subdirectory, so the password file kept beside the data stays inside the temp dir.
      dataDir = path.join(tmp, 'pg');
      const [port, grpcPort] = [await freePort(), await freePort()];
      embeddedPort = await freePort();
      httpUrl = `http://127.0.0.1:${port}`;
      grpcAddress = `127.0.0.1:${grpcPort}`;
      proc = spawnService({
        NODE_ENV: 'development',
        EMBEDDED_DB_DIR: dataDir,
        EMBEDDED_DB_PORT: String(embeddedPort),
        PORT: String(port),
        GRPC_PORT: String(grpcPort),
        HOST: '127.0.0.1',
        GRPC_HOST: '127.0.0.1',
        SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS),
        // The burst measures draining, not throttling.
        RATE_LIMIT_ENABLED: 'false',
      });
    });

    afterAll(async () => {
      await proc?.stop();
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    it('starts its own PostgreSQL and becomes ready on both transports', async () => {
      await waitReady(proc!, httpUrl, 60_000);
      await expect.poll(() => healthCheck(grpcAddress).catch((e: Error) => e.message), { timeout: 10_000 }).toBe('SERVING');
      expect(existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);
      expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(true);
      expect(await refused(embeddedPort)).toBe(false);

      const lines = [...proc!.stdout, ...proc!.stderr].map(stripVTControlCharacters);
      expect(lines.find((l) => /embedded PostgreSQL/i.test(l) && l.includes(dataDir)), 'a log line naming the embedded database and its directory').toBeDefined();
    }, 90_000);

    it('on SIGTERM drains in-flight requests, stops its PostgreSQL and exits 0', async () => {
      expect(proc!.running).toBe(true);
      const run = await terminateUnderLoad(proc!, httpUrl);

      expectGracefulDrain(run, [...proc!.stdout, ...proc!.stderr].map(stripVTControlCharacters));

      expect(await refused(embeddedPort)).toBe(true);
      expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
      expect(existsSync(path.join(dataDir, 'PG_VERSION')), 'the data directory is kept').toBe(true);
    }, 60_000);
  });
});
