// CPU profile of the service under one benchmark load: where a request's CPU goes.
// Starts the built service like the benchmarks do, plus --cpu-prof, drives one load for
// BENCH_SECONDS (default 8), stops the service (the profile is written at exit) and prints
// self time grouped by package (node internals, each dependency, our own files, GC) and
// the heaviest functions. BENCHMARKS.md quotes these tables for the targets it misses.
//
//   npm run build && node bench/profile.mjs rest-claims|rest-validate|grpc-claims|grpc-validate|refresh|signin
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import argon2 from 'argon2';
import { freshDatabase, seedUsers } from './lib/db.mjs';
import { START_FLAGS, startServer } from './lib/server.mjs';
import { authClient, closedLoop, unary } from './lib/grpc-load.mjs';
import { grpcH2load, h2loadAvailable } from './lib/h2load.mjs';
import { httpLoad } from './lib/autocannon-run.mjs';

const SCENARIOS = ['rest-claims', 'rest-validate', 'grpc-claims', 'grpc-validate', 'refresh', 'signin'];
const CLIENTS = 32;

/** A profile node's group: a dependency's name, `node:<module>`, `ours:<file>` or V8's own entries. */
function groupOf(url, functionName) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (dep) return dep[1];
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/').slice(0, 2).join('/');
  const ours = /\/dist\/(.+)$/.exec(url);
  return ours ? `ours:${ours[1]}` : url;
}

function summarise(profile, top = 25) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (const id of profile.samples) self.set(id, (self.get(id) ?? 0) + 1);
  const total = profile.samples.length;
  const groups = new Map();
  const functions = new Map();
  let idle = 0;
  for (const [id, count] of self) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    if (functionName === '(idle)') {
      idle += count;
      continue;
    }
    const g = groupOf(url, functionName);
    groups.set(g, (groups.get(g) ?? 0) + count);
    const f = `${functionName || '(anonymous)'} ${g}:${lineNumber + 1}`;
    functions.set(f, (functions.get(f) ?? 0) + count);
  }
  const busy = total - idle;
  const pct = (n) => ((100 * n) / busy).toFixed(1);
  const rows = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, n]) => `| ${k} | ${pct(n)} |`);
  return [
    `${busy} busy samples of ${total} (${((100 * idle) / total).toFixed(0)} % idle); shares of the busy samples:`,
    '',
    '| group | % self |', '|---|---|', ...rows(groups),
    '',
    '| function | % self |', '|---|---|', ...rows(functions),
  ].join('\n');
}

/** Signs in CLIENTS users, then returns the load itself (so the sign-ins stay out of the CPU per call). */
async function prepare(scenario, server, durationSec) {
  await seedUsers(server.dbUrl, CLIENTS, await argon2.hash('bench-password-1', { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 }));
  const client = authClient(server.grpcAddress);
  const signIns = [];
  for (let i = 0; i < CLIENTS; i++) {
    signIns.push(await unary(client, 'Authenticate', {
      identifier: `bench-${i + 1}@example.com`, password: 'bench-password-1', installationId: { value: randomUUID() }, clientInfo: { deviceId: `prof-${i}` },
    }));
  }
  const authorization = `Bearer ${signIns[0].tokens.accessToken}`;
  return async () => {
    try {
      if (scenario.startsWith('rest-')) {
        const p = scenario === 'rest-claims' ? '/v1/auth/token/claims' : '/v1/auth/credentials';
        return await httpLoad({ url: server.url, connections: 64, durationSec, path: p, headers: { authorization } });
      }
      if (scenario.startsWith('grpc-')) {
        if (!h2loadAvailable()) throw new Error('grpc-* profiles need h2load (apt-get install nghttp2-client)');
        const method = scenario === 'grpc-claims' ? '/auth.v1.AuthService/GetAccessTokenClaims' : '/auth.v1.AuthService/ValidateCredentials';
        return await grpcH2load({ address: server.grpcAddress, method, headers: { authorization }, clients: 4, streams: 16, durationSec });
      }
      if (scenario === 'signin') {
        return await closedLoop({
          concurrency: CLIENTS, durationMs: durationSec * 1000,
          worker: (i) => unary(client, 'Authenticate', {
            identifier: `bench-${i + 1}@example.com`, password: 'bench-password-1', installationId: { value: randomUUID() }, clientInfo: { deviceId: `prof-${i}` },
          }),
        });
      }
      const tokens = signIns.map((s) => s.tokens.refreshToken);
      return await closedLoop({
        concurrency: CLIENTS, durationMs: durationSec * 1000,
        worker: async (i) => {
          tokens[i] = (await unary(client, 'RefreshTokens', { refreshToken: tokens[i] })).refreshToken;
        },
      });
    } finally {
      client.close();
    }
  };
}

async function main() {
  const scenario = process.argv[2];
  if (!SCENARIOS.includes(scenario)) throw new Error(`usage: node bench/profile.mjs ${SCENARIOS.join('|')}`);
  const durationSec = Number(process.env.BENCH_SECONDS ?? 8);
  const dir = mkdtempSync(path.join(tmpdir(), 'auth-prof-'));
  const dbUrl = await freshDatabase('auth_bench_profile');
  const server = await startServer({
    port: 18480, grpcPort: 18451,
    env: { DB_URL: dbUrl, DB_MIGRATE_ON_START: 'true', REFRESH_REUSE_GRACE_SECONDS: '10' },
    args: [...START_FLAGS, '--cpu-prof', `--cpu-prof-dir=${dir}`],
  });
  try {
    const load = await prepare(scenario, { ...server, dbUrl }, durationSec);
    const cpu0 = server.cpuSeconds();
    const r = await load();
    const cpu = server.cpuSeconds() - cpu0;
    const calls = r.requests ?? Math.round(r.rps * durationSec);
    console.log(`${scenario}: ${Math.round(r.rps)} req/s, server CPU ${((cpu / calls) * 1e6).toFixed(0)} µs per call\n`);
  } finally {
    await server.stop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  console.log(summarise(JSON.parse(readFileSync(path.join(dir, file), 'utf8'))));
  if (process.env.BENCH_KEEP_PROFILE) console.log(`\nprofile: ${path.join(dir, file)}`);
  else rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
