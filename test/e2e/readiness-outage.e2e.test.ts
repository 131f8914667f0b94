import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/app-config';
import { startApp, type RunningApp } from '../../src/bootstrap';
import { ManualClock } from '../../src/common/clock';
import { TEST_JWT_SECRET } from '../support/app';
import { healthCheck, healthClient } from '../support/grpc-infra-clients';
import { httpClient } from '../support/http-client';
import { freePort } from '../support/ports';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestDatabase, type TestDatabase } from '../support/test-db';

/** Signup with a fresh identity; fetch bounded by a client timeout so a hung request fails the test instead of stalling it. */
async function signup(httpUrl: string, timeoutMs: number): Promise<{ status: number; body: any; elapsedMs: number }> {
  const started = Date.now();
  const res = await fetch(`${httpUrl}/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      identifier: `u-${randomUUID()}@example.com`,
      password: 'passw0rd-ok',
      installationId: randomUUID(),
      clientInfo: { deviceId: 'dev-1' },
    }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, elapsedMs: Date.now() - started };
}

describe('readiness follows a PostgreSQL outage and recovers without a restart', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let running: RunningApp | undefined;
  let http: ReturnType<typeof httpClient>;
  let httpUrl: string;
  let grpcAddress: string;
  let watchClient: grpc.Client & Record<string, Function>;
  let watch: grpc.ClientReadableStream<{ status: string }> | undefined;
  const watched: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const direct = new URL(db.url);
    proxy = await TcpProxy.create({ host: direct.hostname, port: Number(direct.port || 5432) });
    await proxy.start();
    const viaProxy = new URL(db.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);

    const [port, grpcPort] = [await freePort(), await freePort()];
    const config = loadConfig({
      NODE_ENV: 'test',
      DB_URL: viaProxy.toString(),
      PORT: String(port),
      GRPC_PORT: String(grpcPort),
      HOST: '127.0.0.1',
      GRPC_HOST: '127.0.0.1',
      JWT_SECRET_KEY: TEST_JWT_SECRET,
      LOG_LEVEL: 'warn',
      JSON_LOGS: 'true',
      SESSION_CLEANUP_INTERVAL_SECONDS: '0',
      DB_POOL_MAX: '10',
    });
    const quiet = new Writable({ write: (_c, _e, done) => done() });
    running = await startApp(config, { clock: new ManualClock(new Date()), logStream: quiet });
    httpUrl = `http://127.0.0.1:${port}`;
    http = httpClient(httpUrl);
    grpcAddress = `127.0.0.1:${grpcPort}`;
  });

  afterAll(async () => {
    watch?.cancel();
    watchClient?.close();
    await proxy?.start().catch(() => undefined);
    await running?.shutdown('test finished');
    await proxy?.stop();
    await db?.drop();
  });

  it('is ready, over HTTP and gRPC, while the database is reachable', async () => {
    await expect.poll(async () => (await http('GET', '/health/ready')).status, { timeout: 5_000 }).toBe(200);
    await expect.poll(() => healthCheck(grpcAddress), { timeout: 5_000 }).toBe('SERVING');

    watchClient = healthClient(grpcAddress);
    watch = watchClient.Watch({ service: '' }) as grpc.ClientReadableStream<{ status: string }>;
    watch.on('data', (m: { status: string }) => watched.push(m.status));
    watch.on('error', () => undefined);
    await expect.poll(() => watched.at(-1), { timeout: 5_000 }).toBe('SERVING');
  });

  it('turns /health/ready 503 and gRPC health NOT_SERVING within 5 s of the database going away', async () => {
    await proxy.stop();
    const stoppedAt = Date.now();

    await expect.poll(async () => (await http('GET', '/health/ready')).status, { timeout: 5_000, interval: 100 }).toBe(503);
    await expect.poll(() => healthCheck(grpcAddress), { timeout: 5_000 - (Date.now() - stoppedAt), interval: 100 }).toBe('NOT_SERVING');
    await expect.poll(() => watched.at(-1), { timeout: 1_000 }).toBe('NOT_SERVING');
    expect(Date.now() - stoppedAt).toBeLessThan(5_500);

    const res = await http('GET', '/health/ready');
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(res.body.status).toBe('error');
    expect(res.body.error.database.status).toBe('down');
    expect(res.body.details.database.status).toBe('down');
    // Liveness never depends on the database: an outage must not restart pods.
    expect((await http('GET', '/health/live')).status).toBe(200);
    expect(await healthCheck(grpcAddress, 'liveness')).toBe('SERVING');
  });

  it('answers a request that needs the database with a retryable 503 envelope, not a hung request', async () => {
    const res = await signup(httpUrl, 20_000);
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 503, status: 'UNAVAILABLE', message: expect.any(String) });
    expect(res.body.error.message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|postgres/i);
    expect(res.elapsedMs).toBeLessThan(20_000);
  });

  it('recovers, on both transports and for real requests, once the database is back', async () => {
    await proxy.start();
    const restartedAt = Date.now();

    await expect.poll(async () => (await http('GET', '/health/ready')).status, { timeout: 10_000, interval: 100 }).toBe(200);
    await expect.poll(() => healthCheck(grpcAddress), { timeout: 10_000, interval: 100 }).toBe('SERVING');
    await expect.poll(() => watched.at(-1), { timeout: 1_000 }).toBe('SERVING');
    expect(Date.now() - restartedAt).toBeLessThan(10_500);
    // The stream stayed open through the outage and saw both transitions in order.
    expect(watched.lastIndexOf('NOT_SERVING')).toBeGreaterThan(watched.indexOf('SERVING'));

    const res = await signup(httpUrl, 20_000);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('AUTH_STATUS_SUCCESS');
    const rows = await db.sql<{ n: string }>('SELECT count(*) AS n FROM users');
    expect(Number(rows[0].n)).toBe(1);
  });
});
