// Token-checked calls (ValidateCredentials over gRPC and REST) against a bare Fastify
// route and a bare grpc-js unary method on the same machine.
import { randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import { freshDatabase, seedUsers } from './lib/db.mjs';
import { startServer } from './lib/server.mjs';
import { startBare } from './lib/bare-servers.mjs';
import { authClient, closedLoop, unary } from './lib/grpc-load.mjs';
import { httpLoad } from './lib/autocannon-run.mjs';
import { summary } from './lib/stats.mjs';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';

const CONCURRENCY = 64;

function bareGrpcClient(address) {
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath));
  return new pkg.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
}

export async function run({ repeats = 3, durationSec = 10 } = {}) {
  const url = await freshDatabase('auth_bench_token');
  const server = await startServer({ port: 18080, grpcPort: 18051, env: { DB_URL: url, DB_MIGRATE_ON_START: 'true' } });
  const bareHttp = await startBare('fastify', 18090);
  const bareGrpc = await startBare('grpc', 18091);
  try {
    await seedUsers(url, 1, await argon2.hash('bench-password-1', { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 }));
    const client = authClient(server.grpcAddress);
    const signIn = await unary(client, 'Authenticate', {
      identifier: 'bench-1@example.com', password: 'bench-password-1', installationId: { value: randomUUID() }, clientInfo: { deviceId: 'tok' },
    });
    const auth = { authorization: `Bearer ${signIn.tokens.accessToken}` };
    const bare = bareGrpcClient('127.0.0.1:18091');
    const scenarios = {
      'bare grpc-js unary (ceiling)': () => closedLoop({ concurrency: CONCURRENCY, durationMs: durationSec * 1000, worker: () => new Promise((r, j) => bare.check({}, (e) => (e ? j(e) : r()))) }),
      'gRPC ValidateCredentials': () => closedLoop({ concurrency: CONCURRENCY, durationMs: durationSec * 1000, worker: () => unary(client, 'ValidateCredentials', {}, auth) }),
      'bare Fastify GET /hello (ceiling)': () => httpLoad({ url: 'http://127.0.0.1:18090', path: '/hello', connections: CONCURRENCY, durationSec }),
      'REST GET /v1/auth/credentials': () => httpLoad({ url: server.url, path: '/v1/auth/credentials', headers: auth, connections: CONCURRENCY, durationSec }),
    };
    const results = Object.fromEntries(Object.keys(scenarios).map((k) => [k, []]));
    for (const s of Object.values(scenarios)) await s(); // warm-up
    for (let i = 0; i < repeats; i++) for (const [k, s] of Object.entries(scenarios)) results[k].push(await s());
    client.close();
    bare.close();
    return [
      `${CONCURRENCY} calls in flight, ${durationSec} s per run, ${repeats} runs; load generator in the bench process.`,
      '',
      '| call | req/s | p50 ms | p99 ms | errors |',
      '|---|---|---|---|---|',
      ...Object.entries(results).map(([k, rs]) => `| ${k} | ${summary(rs.map((r) => r.rps))} | ${summary(rs.map((r) => r.p50), 2)} | ${summary(rs.map((r) => r.p99), 2)} | ${rs.reduce((a, r) => a + r.errors, 0)} |`),
    ].join('\n');
  } finally {
    await server.stop();
    await bareHttp.stop();
    await bareGrpc.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) run().then((r) => console.log(r));
