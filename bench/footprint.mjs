// Idle RSS after start, cold start to a ready /health/ready on a migrated database,
// and the size of the production dependencies.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freshDatabase } from './lib/db.mjs';
import { HEAP_FLAGS, NODE, ROOT, START_ENV, startServer } from './lib/server.mjs';
import { mb, summary } from './lib/stats.mjs';

function productionDependencyBytes() {
  const dirs = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n').filter((d) => d.includes('node_modules'));
  const out = execFileSync('du', ['-sbc', ...new Set(dirs)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return Number(/(\d+)\s+total\s*$/.exec(out)[1]);
}

/** RssAnon (heap, malloc, stacks) and RssFile (mapped files: mostly the node binary's own code pages), bytes. */
function rssParts(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)[1]) * 1024;
  return { anon: kb('RssAnon'), file: kb('RssFile') };
}

/** The same, for a bare `node` idling with the start flags: the floor of any Node service here. */
async function bareNodeParts(args, env) {
  const child = spawn(NODE, [...args, '-e', 'setInterval(() => {}, 1000)'], { env: { PATH: process.env.PATH, ...env }, stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1500));
  const parts = rssParts(child.pid);
  child.kill();
  return parts;
}

export async function run({ repeats = 3, env = {}, args } = {}) {
  const url = await freshDatabase('auth_bench_footprint');
  const first = await startServer({ port: 18080, grpcPort: 18051, env: { DB_URL: url, DB_MIGRATE_ON_START: 'true', ...env }, args });
  await first.stop();
  const idle = [];
  const anon = [];
  const file = [];
  const cold = [];
  for (let i = 0; i < repeats; i++) {
    const s = await startServer({ port: 18080, grpcPort: 18051, env: { DB_URL: url, ...env }, args });
    cold.push(s.coldStartMs);
    await new Promise((r) => setTimeout(r, 3000));
    idle.push(s.rss());
    const parts = rssParts(s.pid);
    anon.push(parts.anon);
    file.push(parts.file);
    await s.stop();
  }
  const deps = productionDependencyBytes();
  const bare = await bareNodeParts(args ? args.filter((a) => HEAP_FLAGS.includes(a) || /^--max-/.test(a)) : HEAP_FLAGS, START_ENV);
  return [
    '| measure | value (median (min-max)) | target |',
    '|---|---|---|',
    `| idle RSS after start, MB | ${summary(idle.map(mb), 1)} | <= 160 |`,
    `| of which anonymous (V8 heap, malloc, stacks), MB | ${summary(anon.map(mb), 1)} | |`,
    `| of which file-backed (node binary code pages, libraries), MB | ${summary(file.map(mb), 1)} | |`,
    `| bare \`node -e\` with the same flags: anonymous / file-backed, MB | ${mb(bare.anon).toFixed(1)} / ${mb(bare.file).toFixed(1)} | (floor) |`,
    `| cold start to ready /health/ready, ms | ${summary(cold)} | <= 1500 |`,
    `| production dependencies on disk, MB | ${mb(deps).toFixed(1)} | (reported) |`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) run().then((r) => console.log(r));
