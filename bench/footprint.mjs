// Idle RSS after start, cold start to a ready /health/ready on a migrated database,
// and the size of the production dependencies.
import { execFileSync } from 'node:child_process';
import { freshDatabase } from './lib/db.mjs';
import { ROOT, startServer } from './lib/server.mjs';
import { mb, summary } from './lib/stats.mjs';

function productionDependencyBytes() {
  const dirs = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n').filter((d) => d.includes('node_modules'));
  const out = execFileSync('du', ['-sbc', ...new Set(dirs)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return Number(/(\d+)\s+total\s*$/.exec(out)[1]);
}

export async function run({ repeats = 3, env = {}, args } = {}) {
  const url = await freshDatabase('auth_bench_footprint');
  const first = await startServer({ port: 18080, grpcPort: 18051, env: { DB_URL: url, DB_MIGRATE_ON_START: 'true', ...env }, args });
  await first.stop();
  const idle = [];
  const cold = [];
  for (let i = 0; i < repeats; i++) {
    const s = await startServer({ port: 18080, grpcPort: 18051, env: { DB_URL: url, ...env }, args });
    cold.push(s.coldStartMs);
    await new Promise((r) => setTimeout(r, 3000));
    idle.push(s.rss());
    await s.stop();
  }
  const deps = productionDependencyBytes();
  return [
    '| measure | value (median (min-max)) | target |',
    '|---|---|---|',
    `| idle RSS after start, MB | ${summary(idle.map(mb), 1)} | <= 85 |`,
    `| cold start to ready /health/ready, ms | ${summary(cold)} | <= 1500 |`,
    `| production dependencies on disk, MB | ${mb(deps).toFixed(1)} | (reported) |`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) run().then((r) => console.log(r));
