// RefreshTokens at 32 concurrent clients, each rotating its own session, over gRPC and
// REST, against pgbench.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import { freshDatabase, seedUsers, withClient } from './lib/db.mjs';
import { startServer } from './lib/server.mjs';
import autocannon from 'autocannon';
import { authClient, closedLoop, unary } from './lib/grpc-load.mjs';
import { h2UnaryClient, lengthDelimited, readLengthDelimited } from './lib/h2-unary.mjs';
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

/** Closed loop over the lean HTTP/2 client: each of CLIENTS loops rotates its own session. */
function grpcRotations(h2, tokens, durationSec) {
  return closedLoop({
    concurrency: CLIENTS, durationMs: durationSec * 1000,
    worker: async (i) => {
      const pair = await h2.call(i, '/auth.v1.AuthService/RefreshTokens', lengthDelimited(1, tokens[i]));
      tokens[i] = readLengthDelimited(pair, 2).toString();
    },
  });
}

/**
 * autocannon, one session per connection. autocannon clears a connection's context after
 * each response, so a session is lent to a request in setupRequest and given back with its
 * new token in onResponse: CLIENTS sessions, CLIENTS calls in flight, none shared.
 */
async function restRotations(url, tokens, durationSec) {
  const free = tokens.map((_, i) => i);
  const result = await autocannon({
    url, connections: CLIENTS, duration: durationSec, pipelining: 1,
    requests: [{
      method: 'POST', path: '/v1/auth/token/refresh', headers: { 'content-type': 'application/json' },
      setupRequest: (req, context) => {
        context.i = free.pop();
        return { ...req, body: JSON.stringify({ refreshToken: tokens[context.i] }) };
      },
      onResponse: (status, body, context) => {
        if (status === 200) tokens[context.i] = JSON.parse(body).refreshToken;
        free.push(context.i);
      },
    }],
  });
  return {
    rps: result.requests.average, requests: result.requests.total, p50: result.latency.p50, p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

export async function run({ repeats = Number(process.env.BENCH_REPEATS ?? 3), durationSec = Number(process.env.BENCH_SECONDS ?? 10) } = {}) {
  const url = await freshDatabase('auth_bench_refresh');
  const server = await startServer({ port: 18080, grpcPort: 18051, env: { DB_URL: url, DB_MIGRATE_ON_START: 'true', REFRESH_REUSE_GRACE_SECONDS: '10' } });
  try {
    await seedUsers(url, CLIENTS, await argon2.hash('bench-password-1', { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 }));
    const client = authClient(server.grpcAddress);
    const signIn = (transport) => Promise.all(Array.from({ length: CLIENTS }, async (_, i) => (await unary(client, 'Authenticate', {
      identifier: `bench-${i + 1}@example.com`, password: 'bench-password-1',
      installationId: { value: randomUUID() }, clientInfo: { deviceId: `refresh-${transport}-${i}` },
    })).tokens.refreshToken));
    const grpcTokens = await signIn('grpc');
    const h2 = h2UnaryClient(server.grpcAddress);
    const measured = async (load) => {
      server.resetPeak();
      const [cpu0, load0, t0] = [server.cpuSeconds(), process.cpuUsage(), process.hrtime.bigint()];
      const r = await load();
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      const loadCpu = process.cpuUsage(load0);
      return { ...r, peak: server.peakRss(), cpuPerCall: (server.cpuSeconds() - cpu0) / r.requests, loadCpu: (loadCpu.user + loadCpu.system) / 1e6 / wall };
    };
    await grpcRotations(h2, grpcTokens, 2);
    await restRotations(server.url, await signIn('rest-warm-up'), 2);
    const rows = { grpc: [], rest: [] };
    const ceilings = [];
    for (let i = 0; i < repeats; i++) {
      ceilings.push(await pgbenchCeiling(durationSec));
      rows.grpc.push(await measured(() => grpcRotations(h2, grpcTokens, durationSec)));
      // autocannon abandons the calls in flight when its time is up: their sessions were
      // rotated but the new tokens never read, so every REST run starts on fresh sessions.
      const restTokens = await signIn(`rest-${i}`);
      rows.rest.push(await measured(() => restRotations(server.url, restTokens, durationSec)));
    }
    h2.close();
    client.close();
    const c = summary(ceilings);
    const line = (name, runs) =>
      `| ${name} | ${summary(runs.map((r) => r.rps))} | ${summary(runs.map((r, i) => r.rps / ceilings[i]), 2)} | ${summary(runs.map((r) => r.p50), 1)} | ${summary(runs.map((r) => r.p99), 1)} | ${runs.reduce((a, r) => a + r.errors, 0)} | ${summary(runs.map((r) => r.cpuPerCall * 1e6))} | ${summary(runs.map((r) => r.loadCpu), 2)} | ${summary(runs.map((r) => mb(r.peak)))} |`;
    return [
      `Ceiling (pgbench, ${CLIENTS} clients each updating its own row, -j 2): ${c} tps`,
      '',
      `${CLIENTS} clients, each rotating its own session (one call in flight each), ${durationSec} s per run, ${repeats} runs. gRPC load: node:http2 with hand-encoded messages (bench/lib/h2-unary.mjs); REST load: autocannon, one connection per session. Server CPU is user + system time of the service process per call; load-generator CPU in cores.`,
      '',
      '| call | req/s | ratio to ceiling | p50 ms | p99 ms | errors | server CPU µs per call | load generator CPU | footprint under load MB |',
      '|---|---|---|---|---|---|---|---|---|',
      line('gRPC RefreshTokens', rows.grpc),
      line('REST POST /v1/auth/token/refresh', rows.rest),
    ].join('\n');
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) run().then((r) => console.log(r));
