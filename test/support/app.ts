import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/app-config';
import { startApp, type RunningApp } from '../../src/bootstrap';
import { ManualClock } from '../../src/common/clock';
import { grpcClient } from './grpc-client';
import { httpClient } from './http-client';
import { freePort } from './ports';
import { createTestDatabase, type TestDatabase } from './test-db';

export interface TestApp {
  readonly running: RunningApp;
  readonly db: TestDatabase;
  readonly clock: ManualClock;
  readonly http: ReturnType<typeof httpClient>;
  readonly httpUrl: string;
  readonly grpcAddress: string;
  readonly auth: ReturnType<typeof grpcClient>;
  readonly authV2: ReturnType<typeof grpcClient>;
  readonly users: ReturnType<typeof grpcClient>;
  /** Every JSON log line the app wrote. */
  readonly logs: string[];
  close(): Promise<void>;
}

export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long';

/** Boots the whole service on its own database and free ports, with a manual clock. */
export async function bootTestApp(env: Record<string, string> = {}, options: { clock?: ManualClock } = {}): Promise<TestApp> {
  return bootTestAppOn(await createTestDatabase(), env, { ...options, ownsDatabase: true });
}

/**
 * Boots the service on an existing test database: a second replica next to a
 * running app, or a restart after close(). close() drops the database only
 * when `ownsDatabase`.
 */
export async function bootTestAppOn(
  db: TestDatabase,
  env: Record<string, string> = {},
  options: { clock?: ManualClock; ownsDatabase?: boolean } = {},
): Promise<TestApp> {
  const [port, grpcPort] = [await freePort(), await freePort()];
  const config = loadConfig({
    NODE_ENV: 'test',
    DB_URL: db.url,
    PORT: String(port),
    GRPC_PORT: String(grpcPort),
    HOST: '127.0.0.1',
    GRPC_HOST: '127.0.0.1',
    JWT_SECRET_KEY: TEST_JWT_SECRET,
    LOG_LEVEL: 'info',
    JSON_LOGS: 'true',
    SESSION_CLEANUP_INTERVAL_SECONDS: '0',
    DB_POOL_MAX: '20',
    ...env,
  });
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const clock = options.clock ?? new ManualClock(new Date());
  const running = await startApp(config, { clock, logStream });
  const httpUrl = `http://127.0.0.1:${port}`;
  // GRPC_PORT=0: no separate listener, gRPC is served on PORT.
  const grpcAddress = config.grpc.port === 0 ? `127.0.0.1:${port}` : `127.0.0.1:${grpcPort}`;
  const auth = grpcClient(grpcAddress, 'auth.v1');
  const authV2 = grpcClient(grpcAddress, 'auth.v2');
  const users = grpcClient(grpcAddress, 'users.v1');
  return {
    running, db, clock, http: httpClient(httpUrl), httpUrl, grpcAddress, auth, authV2, users, logs,
    async close() {
      auth.close();
      authV2.close();
      users.close();
      await running.shutdown('test finished');
      if (options.ownsDatabase) await db.drop();
    },
  };
}
