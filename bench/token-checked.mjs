// Token-checked calls: ValidateCredentials (reads the session row) and GetAccessTokenClaims
// (trusts the JWT alone) over gRPC and REST, against a bare grpc-js unary method and a
// bare Fastify route on the same machine, and a bare NestJS hybrid app (the framework's floor,
// started with the service's node flags). Then a flood of invalid and of expired tokens:
// a refusal should cost about what an answer costs, and must not grow the heap.
// BENCH_SCENARIOS (a regular expression) picks rows; BENCH_REPEATS, BENCH_SECONDS shorten runs.
import { createHmac, randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import { freshDatabase, seedUsers } from './lib/db.mjs';
import { HEAP_FLAGS, PORT_OFFSET, startServer } from './lib/server.mjs';
import { mb } from './lib/stats.mjs';
import { startBare } from './lib/bare-servers.mjs';
import { authClient, closedLoop, unary } from './lib/grpc-load.mjs';
import { grpcH2load, h2loadAvailable } from './lib/h2load.mjs';
import { httpLoad } from './lib/autocannon-run.mjs';
import { median, summary } from './lib/stats.mjs';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';

const CONCURRENCY = 64;
const JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123';

/** The token with one signature character changed: well-formed, right length, wrong signature. */
function badSignature(token) {
  const i = token.lastIndexOf('.') + 5;
  return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
}

/** The same claims, validity window moved an hour into the past, signed with the service's key. */
function expired(token) {
  const [header, payload] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  Object.assign(claims, { iat: claims.iat - 3600, nbf: claims.nbf - 3600, exp: claims.exp - 3600 });
  const body = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${createHmac('sha256', JWT_SECRET).update(body).digest('base64url')}`;
}

function bareGrpcClient(address) {
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath));
  return new pkg.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
}

/** gRPC calls the service answered with a status other than `expected`, from its own metrics. */
async function grpcFailures(url, method, expected = 'OK') {
  const text = await (await fetch(`${url}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^rpc_requests_total\{transport="grpc",method="([^"]+)",code="([A-Z_]+)"\} (\d+)/gm)) {
    if (m[1] === method && m[2] !== expected) n += Number(m[3]);
  }
  return n;
}

export async function run({ repeats = Number(process.env.BENCH_REPEATS ?? 3), durationSec = Number(process.env.BENCH_SECONDS ?? 10) } = {}) {
  const url = await freshDatabase('auth_bench_token');
  const server = await startServer({ port: 18080, grpcPort: 18051, env: { DB_URL: url, DB_MIGRATE_ON_START: 'true' } });
  const bareHttp = await startBare('fastify', 18090);
  const bareGrpc = await startBare('grpc', 18091);
  const bareNest = await startBare('nest', 18092); // HTTP 18092, gRPC 18093
  const h2load = h2loadAvailable();
  try {
    await seedUsers(url, 1, await argon2.hash('bench-password-1', { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 }));
    const client = authClient(server.grpcAddress);
    const signIn = await unary(client, 'Authenticate', {
      identifier: 'bench-1@example.com', password: 'bench-password-1', installationId: { value: randomUUID() }, clientInfo: { deviceId: 'tok' },
    });
    const auth = { authorization: `Bearer ${signIn.tokens.accessToken}` };
    const invalid = { authorization: `Bearer ${badSignature(signIn.tokens.accessToken)}` };
    const stale = { authorization: `Bearer ${expired(signIn.tokens.accessToken)}` };
    const grpcLoad = (address, method, metadata, pid, expected = 'OK') => async () => {
      const cpu0 = pid ? server.cpuSeconds() : 0;
      const failed0 = pid ? await grpcFailures(server.url, method, expected) : 0;
      if (pid) server.resetPeak();
      const t0 = Date.now();
      let r;
      if (h2load) {
        r = await grpcH2load({ address, method, headers: metadata, clients: 4, streams: CONCURRENCY / 4, durationSec });
      } else {
        const [service, name] = method.slice(1).split('/');
        const health = service.startsWith('grpc.health') ? bareGrpcClient(address) : undefined;
        const worker = health
          ? () => new Promise((ok, no) => health.check({}, (e) => (e ? no(e) : ok())))
          : () => unary(client, name, {}, metadata);
        const cpu = process.cpuUsage();
        r = await closedLoop({ concurrency: CONCURRENCY, durationMs: durationSec * 1000, worker });
        const c = process.cpuUsage(cpu);
        r.loadCpu = (c.user + c.system) / 1e6 / durationSec;
        health?.close();
      }
      if (pid) {
        r.serverCpu = (server.cpuSeconds() - cpu0) / ((Date.now() - t0) / 1000);
        r.peak = server.peakRss();
        r.errors += (await grpcFailures(server.url, method, expected)) - failed0;
        if (server.exitCode() !== null) throw new Error(`server exited (${server.exitCode()}):\n${server.output().slice(-2000)}`);
      }
      return r;
    };
    const httpRun = (base, path, headers, ours, expectedStatus = 200) => async () => {
      const cpu0 = ours ? server.cpuSeconds() : 0;
      if (ours) server.resetPeak();
      const t0 = Date.now();
      const r = await httpLoad({ url: base, path, headers, connections: CONCURRENCY, durationSec, expectedStatus });
      if (ours) {
        r.serverCpu = (server.cpuSeconds() - cpu0) / ((Date.now() - t0) / 1000);
        r.peak = server.peakRss();
        if (server.exitCode() !== null) throw new Error(`server exited (${server.exitCode()}):\n${server.output().slice(-2000)}`);
      }
      return r;
    };
    const all = {
      'bare grpc-js unary (ceiling)': grpcLoad(`127.0.0.1:${18091 + PORT_OFFSET}`, '/grpc.health.v1.Health/Check', {}, false),
      'bare NestJS gRPC method (framework floor)': grpcLoad(`127.0.0.1:${18093 + PORT_OFFSET}`, '/grpc.health.v1.Health/Check', {}, false),
      'gRPC GetAccessTokenClaims (JWT only)': grpcLoad(server.grpcAddress, '/auth.v1.AuthService/GetAccessTokenClaims', auth, true),
      'gRPC ValidateCredentials (session row)': grpcLoad(server.grpcAddress, '/auth.v1.AuthService/ValidateCredentials', auth, true),
      'bare Fastify GET /hello (ceiling)': httpRun(`http://127.0.0.1:${18090 + PORT_OFFSET}`, '/hello', {}, false),
      'bare NestJS GET /hello (framework floor)': httpRun(`http://127.0.0.1:${18092 + PORT_OFFSET}`, '/hello', {}, false),
      'REST GET /v1/auth/token/claims (JWT only)': httpRun(server.url, '/v1/auth/token/claims', auth, true),
      'REST GET /v1/auth/credentials (session row)': httpRun(server.url, '/v1/auth/credentials', auth, true),
      'gRPC ValidateCredentials, invalid signature (flood)': grpcLoad(server.grpcAddress, '/auth.v1.AuthService/ValidateCredentials', invalid, true, 'UNAUTHENTICATED'),
      'gRPC ValidateCredentials, expired token (flood)': grpcLoad(server.grpcAddress, '/auth.v1.AuthService/ValidateCredentials', stale, true, 'UNAUTHENTICATED'),
      'REST GET /v1/auth/credentials, invalid signature (flood)': httpRun(server.url, '/v1/auth/credentials', invalid, true, 401),
      'REST GET /v1/auth/credentials, expired token (flood)': httpRun(server.url, '/v1/auth/credentials', stale, true, 401),
    };
    const pick = new RegExp(process.env.BENCH_SCENARIOS ?? '.');
    const scenarios = Object.fromEntries(Object.entries(all).filter(([k]) => pick.test(k) || k.includes('(ceiling)') || k.includes('framework floor')));
    const results = Object.fromEntries(Object.keys(scenarios).map((k) => [k, []]));
    for (const s of Object.values(scenarios)) await s(); // warm-up
    for (let i = 0; i < repeats; i++) for (const [k, s] of Object.entries(scenarios)) results[k].push(await s());
    client.close();
    const isGrpc = (k) => k.startsWith('gRPC') || k.startsWith('bare grpc') || k.startsWith('bare NestJS gRPC');
    const ceiling = (k) => median(results[isGrpc(k) ? 'bare grpc-js unary (ceiling)' : 'bare Fastify GET /hello (ceiling)'].map((r) => r.rps));
    const floor = (k) => median(results[isGrpc(k) ? 'bare NestJS gRPC method (framework floor)' : 'bare NestJS GET /hello (framework floor)'].map((r) => r.rps));
    const cpu = (rs, key) => (rs[0][key] === undefined ? '-' : summary(rs.map((r) => r[key]), 2));
    const peak = (rs) => (rs[0].peak === undefined ? '-' : summary(rs.map((r) => mb(r.peak))));
    return [
      `${CONCURRENCY} calls in flight, ${durationSec} s per run, ${repeats} runs. gRPC load: ${h2load ? 'h2load (4 connections x 16 streams, pre-encoded request)' : 'grpc-js closed loop in the bench process (h2load not installed)'}; REST load: autocannon in the bench process. CPU columns are cores used (1.00 = one core). Footprint: the service's VmHWM over the measured run (reset after the warm-up). The NestJS floor runs with the service's heap flags (${HEAP_FLAGS.join(' ') || 'none'}); the other ceilings with Node's defaults. Flood rows: every answer is UNAUTHENTICATED / 401; "errors" counts any other answer.`,
      '',
      '| call | req/s | ratio to its ceiling | ratio to the NestJS floor | p50 ms | p99 ms | errors | server CPU | load generator CPU | footprint under load MB |',
      '|---|---|---|---|---|---|---|---|---|---|',
      ...Object.entries(results).map(([k, rs]) => `| ${k} | ${summary(rs.map((r) => r.rps))} | ${(median(rs.map((r) => r.rps)) / ceiling(k)).toFixed(2)} | ${(median(rs.map((r) => r.rps)) / floor(k)).toFixed(2)} | ${summary(rs.map((r) => r.p50), 2)} | ${summary(rs.map((r) => r.p99), 2)} | ${rs.reduce((a, r) => a + r.errors, 0)} | ${cpu(rs, 'serverCpu')} | ${cpu(rs, 'loadCpu')} | ${peak(rs)} |`),
    ].join('\n');
  } finally {
    await server.stop();
    await bareHttp.stop();
    await bareGrpc.stop();
    await bareNest.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) run().then((r) => console.log(r));
