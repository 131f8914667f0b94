// RefreshTokens at 32 concurrent clients, each rotating its own session, against pgbench.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import { freshDatabase, seedUsers, urlOf, withClient } from './lib/db.mjs';
import { startServer } from './lib/server.mjs';
import { authClient, closedLoop, unary } from './lib/grpc-load.mjs';
import { mb, summary } from './lib/stats.mjs';

const CLIENTS = 32;

/** pgbench: each client updates its own row, as each bench client rotates its own session. */
async function pgbenchCeiling(durationSec) {
  const url = await freshDatabase('auth_bench_pgbench');
  await withClient(url, (c) => c.query(`CREATE TABLE rows (id int PRIMARY KEY, v bigint NOT NULL DEFAULT 0); INSERT INTO rows SELECT i, 0 FROM generate_series(1, ${CLIENTS}) i`));
  const script = '/tmp/auth-bench-update.sql';
  execFileSync('bash', ['-c', `printf 'UPDATE rows SET v = v + 1 WHERE id = :client_id + 1;\\n' > ${script}`]);
  const u = new URL(url);
  const out = execFileSync('pgbench', ['-n', '-c', String(CLIENTS), '-j', '2', '-T', String(durationSec), '-f', script, '-h', u.hostname, '-p', u.port || '5432', '-U', u.username || 'postgres', u.pathname.slice(1)], { encoding: 'utf8' });
  return Number(/tps = ([\d.]+)/.exec(out)[1]);
}

export async function run({ repeats = Number(process.env.BENCH_REPEATS ?? 3), durationSec = Number(process.env.BENCH_SECONDS ?? 10) } = {}) {
  const url = await freshDatabase('auth_bench_refresh');
  const server = await startServer({ port: 18080, grpcPort: 18051, env: { DB_URL: url, DB_MIGRATE_ON_START: 'true', REFRESH_REUSE_GRACE_SECONDS: '10' } });
  try {
    await seedUsers(url, CLIENTS, await argon2.hash('bench-password-1', { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 }));
    const client = authClient(server.grpcAddress);
    const tokens = [];
    for (let i = 0; i < CLIENTS; i++) {
      const r = await unary(client, 'Authenticate', {
        identifier: `bench-${i + 1}@example.com`, password: 'bench-password-1',
        installationId: { value: randomUUID() }, clientInfo: { deviceId: `refresh-${i}` },
      });
      tokens.push(r.tokens.refreshToken);
    }
    const loop = () =>
      closedLoop({
        concurrency: CLIENTS, durationMs: durationSec * 1000,
        worker: async (i) => {
          const pair = await unary(client, 'RefreshTokens', { refreshToken: tokens[i] });
          tokens[i] = pair.refreshToken;
        },
      });
    await closedLoop({ concurrency: CLIENTS, durationMs: 2000, worker: async (i) => { tokens[i] = (await unary(client, 'RefreshTokens', { refreshToken: tokens[i] })).refreshToken; } });
    const runs = [];
    const ceilings = [];
    for (let i = 0; i < repeats; i++) {
      ceilings.push(await pgbenchCeiling(durationSec));
      server.resetPeak();
      const r = await loop();
      runs.push({ ...r, peak: server.peakRss() });
    }
    client.close();
    const c = summary(ceilings);
    return [
      `Ceiling (pgbench, ${CLIENTS} clients each updating its own row, -j 2): ${c} tps`,
      '',
      '| call | req/s | ratio to ceiling | p50 ms | p99 ms | errors | footprint under load MB |',
      '|---|---|---|---|---|---|---|',
      `| gRPC RefreshTokens | ${summary(runs.map((r) => r.rps))} | ${summary(runs.map((r, i) => r.rps / ceilings[i]), 2)} | ${summary(runs.map((r) => r.p50), 1)} | ${summary(runs.map((r) => r.p99), 1)} | ${runs.reduce((a, r) => a + r.errors, 0)} | ${summary(runs.map((r) => mb(r.peak)))} |`,
    ].join('\n');
  } finally {
    await server.stop();
    void urlOf;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) run().then((r) => console.log(r));
