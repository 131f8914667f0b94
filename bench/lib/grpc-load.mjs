// A closed-loop gRPC load generator: `concurrency` calls in flight on one channel.
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ROOT } from './server.mjs';
import { percentile } from './stats.mjs';

const PROTO = path.join(ROOT, 'proto');
const definition = protoLoader.loadSync(
  ['auth/v1/auth.proto', 'users/v1/users.proto'].map((f) => path.join(PROTO, f)),
  { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [PROTO] },
);
const pkg = grpc.loadPackageDefinition(definition);

export function authClient(address) {
  return new pkg.auth.v1.AuthService(address, grpc.credentials.createInsecure(), { 'grpc.max_concurrent_streams': 1000 });
}

export function usersClient(address) {
  return new pkg.users.v1.UserService(address, grpc.credentials.createInsecure());
}

export function unary(client, method, request, metadata) {
  return new Promise((resolve, reject) => {
    const md = new grpc.Metadata();
    for (const [k, v] of Object.entries(metadata ?? {})) md.set(k, v);
    client[method](request, md, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

/**
 * Runs `worker(i)` in `concurrency` loops for `durationMs`; each loop awaits one
 * call at a time. Returns requests/s and latency percentiles in ms.
 */
export async function closedLoop({ concurrency, durationMs, worker }) {
  const latencies = [];
  let errors = 0;
  const until = Date.now() + durationMs;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, i) => {
      while (Date.now() < until) {
        const t = process.hrtime.bigint();
        try {
          await worker(i);
          latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, errors, rps: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}
