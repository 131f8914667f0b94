// ListUsers streaming of 1,000,000 users over gRPC and SSE: users/s, time to first
// item, and the server's RSS growth while streaming (target < 30 MB).
import { randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import * as grpc from '@grpc/grpc-js';
import { freshDatabase, withClient } from './lib/db.mjs';
import { startServer } from './lib/server.mjs';
import { authClient, unary, usersClient } from './lib/grpc-load.mjs';
import { mb, summary } from './lib/stats.mjs';

const USERS = Number(process.env.BENCH_STREAM_USERS ?? 1_000_000);

async function seed(url) {
  const hash = await argon2.hash('bench-password-1', { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
  await withClient(url, async (c) => {
    await c.query(
      `WITH u AS (INSERT INTO users (email, status) SELECT 'stream-' || i || '@example.com', 'active' FROM generate_series(1, $1) i RETURNING id)
       INSERT INTO user_profiles (user_id, display_name) SELECT id, 'Stream user' FROM u`,
      [USERS],
    );
    await c.query(
      `WITH u AS (INSERT INTO users (email, password_hash, status, role) VALUES ('admin@example.com', $1, 'active', 'admin') RETURNING id)
       INSERT INTO user_profiles (user_id, display_name) SELECT id, 'Admin' FROM u`,
      [hash],
    );
    await c.query('ANALYZE users; ANALYZE user_profiles');
  });
}

function grpcStream(address, token, request = {}) {
  return new Promise((resolve, reject) => {
    const client = usersClient(address);
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${token}`);
    const start = process.hrtime.bigint();
    let first = 0;
    let n = 0;
    const call = client.ListUsers(request, md);
    call.on('data', () => {
      if (n++ === 0) first = Number(process.hrtime.bigint() - start) / 1e6;
    });
    call.on('error', (e) => { client.close(); reject(e); });
    call.on('end', () => {
      client.close();
      resolve({ n, firstMs: first, seconds: Number(process.hrtime.bigint() - start) / 1e9 });
    });
  });
}

async function sseStream(url, token, query = '') {
  const start = process.hrtime.bigint();
  const res = await fetch(`${url}/v1/users${query}`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
  let first = 0;
  let n = 0;
  const decoder = new TextDecoder();
  let carry = '';
  for await (const chunk of res.body) {
    const text = carry + decoder.decode(chunk, { stream: true });
    const lines = text.split('\n');
    carry = lines.pop();
    for (const line of lines) {
      if (line.startsWith('data:')) {
        if (n++ === 0) first = Number(process.hrtime.bigint() - start) / 1e6;
      }
    }
  }
  return { n, firstMs: first, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

export async function run({ repeats = 3 } = {}) {
  const url = await freshDatabase('auth_bench_stream');
  const server = await startServer({ port: 18080, grpcPort: 18051, env: { DB_URL: url, DB_MIGRATE_ON_START: 'true' } });
  try {
    await seed(url);
    const signIn = await unary(authClient(server.grpcAddress), 'Authenticate', {
      identifier: 'admin@example.com', password: 'bench-password-1', installationId: { value: randomUUID() }, clientInfo: { deviceId: 'stream' },
    });
    const token = signIn.tokens.accessToken;
    // Warm-up: JIT, pool connections and buffers reach their working size before measuring growth.
    await grpcStream(server.grpcAddress, token, { pageSize: 20_000 });
    await sseStream(server.url, token, '?pageSize=20000');
    const rows = { gRPC: [], SSE: [] };
    for (let i = 0; i < repeats; i++) {
      for (const [name, fn] of [['gRPC', () => grpcStream(server.grpcAddress, token)], ['SSE', () => sseStream(server.url, token)]]) {
        const before = server.rss();
        server.resetPeak();
        const r = await fn();
        if (r.n !== USERS + 1) throw new Error(`${name} streamed ${r.n} users, expected ${USERS + 1}`);
        rows[name].push({ ...r, growth: server.peakRss() - before, peak: server.peakRss() });
      }
    }
    return [
      `${USERS.toLocaleString('en')} users (+1 admin) per stream, whole list, no filters.`,
      '',
      '| transport | users/s | time to first item ms | RSS growth MB | target | footprint under load MB |',
      '|---|---|---|---|---|---|',
      ...Object.entries(rows).map(([k, rs]) => `| ${k} | ${summary(rs.map((r) => r.n / r.seconds))} | ${summary(rs.map((r) => r.firstMs), 1)} | ${summary(rs.map((r) => mb(r.growth)), 1)} | < 30 MB | ${summary(rs.map((r) => mb(r.peak)))} |`),
    ].join('\n');
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) run().then((r) => console.log(r));
