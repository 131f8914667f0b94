// Sign-in throughput (Authenticate over gRPC and REST) against the argon2id ceiling.
import { randomUUID } from 'node:crypto';
import { fork } from 'node:child_process';
import argon2 from 'argon2';
import { freshDatabase, seedUsers } from './lib/db.mjs';
import { startServer } from './lib/server.mjs';
import { authClient, closedLoop, unary } from './lib/grpc-load.mjs';
import { httpLoad } from './lib/autocannon-run.mjs';
import { mb, summary } from './lib/stats.mjs';

const USERS = 200;
const CONCURRENCY = 32;
const PASSWORD = 'bench-password-1';
const PARAMS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };

/** Raw argon2id verifies/s in a fresh process with the server's thread pool and hashing concurrency. */
function ceiling(durationMs, concurrency) {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./lib/argon2-ceiling.mjs', import.meta.url), [String(durationMs), String(concurrency)], {
      env: { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '4' },
    });
    child.once('message', resolve);
    child.once('error', reject);
  });
}

export async function run({ repeats = Number(process.env.BENCH_REPEATS ?? 3), durationSec = Number(process.env.BENCH_SECONDS ?? 10) } = {}) {
  const url = await freshDatabase('auth_bench_signin');
  const server = await startServer({ port: 18080, grpcPort: 18051, env: { DB_URL: url, DB_MIGRATE_ON_START: 'true' } });
  try {
    await seedUsers(url, USERS, await argon2.hash(PASSWORD, PARAMS));
    const bodies = Array.from({ length: USERS }, (_, i) => ({
      identifier: `bench-${i + 1}@example.com`, password: PASSWORD,
      installationId: randomUUID(), clientInfo: { deviceId: `bench-device-${i + 1}` },
    }));
    const grpcBodies = bodies.map((b) => ({ ...b, installationId: { value: b.installationId } }));
    const client = authClient(server.grpcAddress);
    let k = 0;
    const grpcRun = () =>
      closedLoop({
        concurrency: CONCURRENCY, durationMs: durationSec * 1000,
        worker: async () => {
          const r = await unary(client, 'Authenticate', grpcBodies[k++ % USERS]);
          if (r.status !== 'AUTH_STATUS_SUCCESS') throw new Error(r.status);
        },
      });
    const restRun = () => httpLoad({ url: server.url, path: '/v1/auth/authenticate', method: 'POST', bodies, connections: CONCURRENCY, durationSec });

    await restRun(); // warm-up: JIT, pool, sessions
    const rows = { grpc: [], rest: [], ceiling: [] };
    for (let i = 0; i < repeats; i++) {
      rows.ceiling.push((await ceiling(durationSec * 1000, 2)).rate);
      server.resetPeak();
      const cpu0 = process.cpuUsage();
      const g = await grpcRun();
      const cpu = process.cpuUsage(cpu0);
      rows.grpc.push({ ...g, peak: server.peakRss(), loadCpu: (cpu.user + cpu.system) / 1e6 / durationSec });
      server.resetPeak();
      const h = await restRun();
      rows.rest.push({ ...h, peak: server.peakRss() });
    }
    client.close();
    return report(rows);
  } finally {
    await server.stop();
  }
}

function report(rows) {
  const ceilingRate = rows.ceiling;
  const line = (name, rs) =>
    `| ${name} | ${summary(rs.map((r) => r.rps))} | ${summary(rs.map((r) => r.rps / median(ceilingRate)), 2)} | ${summary(rs.map((r) => r.p50), 1)} | ${summary(rs.map((r) => r.p99), 1)} | ${summary(rs.map((r) => r.p99 / r.p50), 1)} | ${rs.reduce((a, r) => a + r.errors, 0)} | ${summary(rs.map((r) => mb(r.peak)))} | ${summary(rs.map((r) => r.loadCpu * 100))} |`;
  return [
    `Ceiling (raw argon2id verifies/s, 2 in flight, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? 4}): ${summary(ceilingRate)}`,
    '',
    '| transport | req/s | ratio to ceiling | p50 ms | p99 ms | p99/p50 | errors | footprint under load MB | load-gen CPU % |',
    '|---|---|---|---|---|---|---|---|---|',
    line('gRPC Authenticate', rows.grpc),
    line('REST POST /v1/auth/authenticate', rows.rest),
  ].join('\n');
}

function median(v) {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

if (import.meta.url === `file://${process.argv[1]}`) run().then((r) => console.log(r));
