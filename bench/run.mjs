// npm run bench [-- name ...]: runs the named benchmarks (all by default) and prints
// markdown for BENCHMARKS.md with the machine it ran on.
import os from 'node:os';
import { postgresVersion } from './lib/db.mjs';

const ALL = ['footprint', 'signin', 'token-checked', 'refresh', 'stream', 'shared-port'];
const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const selected = names.length ? names : ALL;
for (const n of selected) if (!ALL.includes(n)) throw new Error(`unknown benchmark ${n}; one of ${ALL.join(', ')}`);

console.log(`# Benchmark run ${new Date().toISOString()}`);
console.log(`Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, PostgreSQL ${await postgresVersion()}`);
console.log(`Command: npm run bench${names.length ? ' -- ' + names.join(' ') : ''}\n`);
for (const name of selected) {
  const mod = await import(`./${name}.mjs`);
  console.log(`## ${name}\n`);
  console.log(await mod.run());
  console.log('');
}
