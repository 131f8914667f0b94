import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ROOT } from '../../src/paths';
import { freePort } from '../support/ports';
import { isBuilt, spawnService, type ServiceProcess } from '../support/service-process';
import { createTestDatabase, type TestDatabase } from '../support/test-db';

/** The heap flags of `npm start` (the image and the chart use the same), as NODE_OPTIONS. */
function startHeapFlags(): string {
  const start = (JSON.parse(readFileSync(path.join(APP_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  return start.split(/\s+/).filter((t) => /^--max-(semi|old)-space-size=/.test(t)).join(' ');
}

function ensureBuilt(): void {
  if (isBuilt()) return;
  execFileSync(path.join(APP_ROOT, 'node_modules', '.bin', 'node'), [path.join(APP_ROOT, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'build'], { cwd: APP_ROOT, stdio: 'pipe', timeout: 120_000 });
}

function memoryKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

const SLOW_CLIENTS = 300;
const BODY = 1_000_000; // the body limit is 1 MiB
const SENT = 900_000; // each sends most of it, then stalls

/**
 * Hundreds of clients each announce a 1 MB body, send 0.9 MB of it and stall: the
 * bodies the server would hold while waiting. Without a bound the process held them
 * all (VmHWM 411 MB against 197 MB with the bound, measured while writing this test);
 * with it, requests beyond the in-flight body budget are answered 503 at once and their
 * bodies never read.
 */
function stalledBodies(port: number): { sockets: Socket[]; statuses: Promise<Array<{ status: number; retryAfter?: string } | undefined>> } {
  const sockets: Socket[] = [];
  const chunk = Buffer.alloc(SENT, 'a');
  const answers = Array.from({ length: SLOW_CLIENTS }, () => new Promise<{ status: number; retryAfter?: string } | undefined>((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(`POST /v1/auth/authenticate HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${BODY}\r\n\r\n{"identifier":"`);
      s.write(chunk);
    });
    sockets.push(s);
    let head = '';
    s.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
      resolve({ status, retryAfter: /\r\nretry-after: *([^\r]+)/i.exec(head.slice(0, end))?.[1] });
    });
    s.on('error', () => resolve(undefined));
    s.on('close', () => resolve(undefined));
    setTimeout(() => resolve(undefined), 8_000);
  }));
  return { sockets, statuses: Promise.all(answers) };
}

describe('memory under a flood of large, stalled request bodies (heap-capped process)', () => {
  let db: TestDatabase;
  let proc: ServiceProcess | undefined;
  let port: number;

  beforeAll(async () => {
    ensureBuilt();
    db = await createTestDatabase();
    port = await freePort();
    proc = spawnService({
      NODE_ENV: 'production',
      NODE_OPTIONS: startHeapFlags(),
      DB_URL: db.url,
      DB_MIGRATE_ON_START: 'true',
      JWT_SECRET_KEY: `jwt-${randomBytes(24).toString('hex')}`,
      JSON_LOGS: 'true',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      GRPC_PORT: String(await freePort()),
      HOST: '127.0.0.1',
      GRPC_HOST: '127.0.0.1',
      RATE_LIMIT_ENABLED: 'false',
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (!proc.running) throw new Error(`service exited:\n${[...proc.stderr, ...proc.stdout].slice(-20).join('\n')}`);
      const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error('service not ready');
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 90_000);

  afterAll(async () => {
    await proc?.stop();
    await db?.drop();
  });

  it('answers the excess 503 with Retry-After before reading it, stays up and ready, and does not hold the bodies', async () => {
    expect(startHeapFlags()).toMatch(/--max-old-space-size=\d+/);
    const pid = proc!.child.pid!;
    const rssBefore = memoryKb(pid, 'VmRSS');
    const flood = stalledBodies(port);
    const answers = await flood.statuses;
    const hwm = memoryKb(pid, 'VmHWM');
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.status);
    for (const s of flood.sockets) s.destroy();

    const refused = answers.filter((a) => a?.status === 503);
    // Only the in-flight body budget (8 MiB: 8 of these bodies) is admitted; the rest are refused
    // at once, and each refusal arrives although the client is still sending its body (the server
    // lingers before closing; an immediate close reset the connection and lost the 503 under load).
    expect(refused.length).toBeGreaterThanOrEqual(SLOW_CLIENTS - 10);
    expect(refused.every((a) => a!.retryAfter === '1')).toBe(true);
    expect(answers.some((a) => a !== undefined && a.status !== 503)).toBe(false);
    expect(proc!.running).toBe(true);
    expect(ready).toBe(200);
    // 300 bodies of 0.9 MB held would be 270 MB more; the admitted ones are at most ~8 MB.
    expect((hwm - rssBefore) / 1024).toBeLessThan(100);
  }, 60_000);
});
