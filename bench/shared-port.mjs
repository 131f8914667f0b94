// One port for every protocol, against the separate ports of before: REST (autocannon) and
// gRPC (h2load) throughput of GetAccessTokenClaims (JWT only: the cheapest authenticated
// call, so a per-call cost of the shared port would show most) on
//   - the code before the shared port (BENCH_BASELINE_REF, default: the commit before the one
//     that added src/common/grpc-web/shared-port.ts): REST on PORT, gRPC on GRPC_PORT;
//   - this build: REST on PORT, gRPC on PORT (sniffed, injected into grpc-js), gRPC on
//     GRPC_PORT (the separate listener, still there), and gRPC-Web on PORT (bridged).
// One process at a time, the two builds alternating (ABBA) round after round, because the
// machine is shared and noisy: compare medians, and read the min-max spread as the noise.
import { randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import { freshDatabase, seedUsers } from './lib/db.mjs';
import { startServer } from './lib/server.mjs';
import { buildBaseline, commitBefore } from './lib/baseline.mjs';
import { authClient, closedLoop, unary } from './lib/grpc-load.mjs';
import { grpcFrame, grpcH2load, h2loadAvailable } from './lib/h2load.mjs';
import { httpLoad } from './lib/autocannon-run.mjs';
import { median, summary } from './lib/stats.mjs';

const CONCURRENCY = 64;
const PORT = 18280; // not the other benchmarks' 18080, so they can run side by side
const GRPC_PORT = 18251;
const METHOD = '/auth.v1.AuthService/GetAccessTokenClaims';

export async function run({ rounds = 4, durationSec = 8 } = {}) {
  const h2load = h2loadAvailable();
  const baseline = buildBaseline(process.env.BENCH_BASELINE_REF ?? commitBefore('src/common/grpc-web/shared-port.ts'));
  const url = await freshDatabase('auth_bench_shared');
  const env = { DB_URL: url, DB_MIGRATE_ON_START: 'true' };
  try {
    const hash = await argon2.hash('bench-password-1', { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
    let seeded = false;
    const grpcRun = async (address, metadata, seconds = durationSec) => {
      if (h2load) return grpcH2load({ address, method: METHOD, headers: metadata, clients: 4, streams: CONCURRENCY / 4, durationSec: seconds });
      const client = authClient(address);
      try {
        return await closedLoop({ concurrency: CONCURRENCY, durationMs: seconds * 1000, worker: () => unary(client, 'GetAccessTokenClaims', {}, metadata) });
      } finally {
        client.close();
      }
    };
    const restRun = (server, auth, seconds = durationSec) => httpLoad({ url: server.url, path: '/v1/auth/token/claims', headers: auth, connections: CONCURRENCY, durationSec: seconds });
    const webRun = (server, auth, seconds = durationSec) => httpLoad({
      url: server.url, method: 'POST', path: METHOD, connections: CONCURRENCY, durationSec: seconds,
      headers: { ...auth, 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1' }, rawBody: grpcFrame(),
    });
    const tokenFrom = async (grpcAddress) => {
      // Once the first server has migrated the database.
      if (!seeded) await seedUsers(url, 1, hash);
      seeded = true;
      const client = authClient(grpcAddress);
      const signIn = await unary(client, 'Authenticate', {
        identifier: 'bench-1@example.com', password: 'bench-password-1', installationId: { value: randomUUID() }, clientInfo: { deviceId: 'shared' },
      });
      client.close();
      return { authorization: `Bearer ${signIn.tokens.accessToken}` };
    };
    /** A run plus the server's CPU time per answered request (less sensitive to the neighbours' load than req/s). */
    const measured = async (server, load) => {
      const cpu0 = server.cpuSeconds();
      const t0 = Date.now();
      const r = await load();
      const wall = (Date.now() - t0) / 1000;
      return { ...r, cpuUsPerRequest: ((server.cpuSeconds() - cpu0) / (r.rps * wall)) * 1e6 };
    };
    // A fresh process runs its first calls of each kind slower (JIT, caches): every path a
    // round measures is warmed first, and the two gRPC ports of the new build take turns
    // going first.
    const WARM_UP_SEC = 3;
    const builds = {
      before: async () => {
        const server = await startServer({ port: PORT, grpcPort: GRPC_PORT, env, root: baseline.root });
        try {
          const auth = await tokenFrom(server.grpcAddress);
          await restRun(server, auth, WARM_UP_SEC);
          await grpcRun(server.grpcAddress, auth, WARM_UP_SEC);
          return {
            'before: REST on PORT': await measured(server, () => restRun(server, auth)),
            'before: gRPC on GRPC_PORT': await measured(server, () => grpcRun(server.grpcAddress, auth)),
          };
        } finally {
          await server.stop();
        }
      },
      after: async (round) => {
        const server = await startServer({ port: PORT, grpcPort: GRPC_PORT, env });
        try {
          const auth = await tokenFrom(`127.0.0.1:${PORT}`);
          await restRun(server, auth, WARM_UP_SEC);
          await grpcRun(`127.0.0.1:${PORT}`, auth, WARM_UP_SEC);
          await grpcRun(server.grpcAddress, auth, WARM_UP_SEC);
          await webRun(server, auth, WARM_UP_SEC);
          const out = { 'after: REST on PORT': await measured(server, () => restRun(server, auth)) };
          const grpcPorts = [['after: gRPC on PORT (shared)', `127.0.0.1:${PORT}`], ['after: gRPC on GRPC_PORT (separate)', server.grpcAddress]];
          if (round % 2) grpcPorts.reverse();
          for (const [name, address] of grpcPorts) out[name] = await measured(server, () => grpcRun(address, auth));
          out['after: gRPC-Web binary on PORT (HTTP/1.1, bridged)'] = await measured(server, () => webRun(server, auth));
          return out;
        } finally {
          await server.stop();
        }
      },
    };
    const results = {};
    for (let i = 0; i < rounds; i++) {
      const order = i % 4 === 0 || i % 4 === 3 ? ['before', 'after'] : ['after', 'before'];
      for (const b of order) for (const [k, r] of Object.entries(await builds[b](i))) (results[k] ??= []).push(r);
    }
    const rps = (k) => median(results[k].map((r) => r.rps));
    const cpu = (k) => median(results[k].map((r) => r.cpuUsPerRequest));
    const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
    const ratio = (a, b) => `${pct(rps(a) / rps(b) - 1)} req/s, ${pct(cpu(a) / cpu(b) - 1)} server CPU per request`;
    return [
      `GetAccessTokenClaims, ${CONCURRENCY} calls in flight, ${durationSec} s per run after ${WARM_UP_SEC} s of warm-up of each path, ${rounds} rounds alternating the builds (ABBA) and, in the new build, which gRPC port goes first. Baseline: ${baseline.ref}. gRPC load: ${h2load ? 'h2load (4 connections x 16 streams)' : 'grpc-js closed loop (h2load not installed)'}; REST and gRPC-Web load: autocannon (keep-alive). One server process at a time; load generators in the bench process.`,
      '',
      '| what | req/s | server CPU µs per request | p50 ms | p99 ms | errors |',
      '|---|---|---|---|---|---|',
      ...Object.entries(results).map(([k, rs]) => `| ${k} | ${summary(rs.map((r) => r.rps))} | ${summary(rs.map((r) => r.cpuUsPerRequest))} | ${summary(rs.map((r) => r.p50), 2)} | ${summary(rs.map((r) => r.p99), 2)} | ${rs.reduce((a, r) => a + r.errors, 0)} |`),
      '',
      `Shared port against before (medians): REST ${ratio('after: REST on PORT', 'before: REST on PORT')}, gRPC ${ratio('after: gRPC on PORT (shared)', 'before: gRPC on GRPC_PORT')}; in the same process, gRPC on PORT against GRPC_PORT: ${ratio('after: gRPC on PORT (shared)', 'after: gRPC on GRPC_PORT (separate)')}.`,
    ].join('\n');
  } finally {
    baseline.remove();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) run().then((r) => console.log(r));
