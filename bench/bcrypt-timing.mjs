// Does a wrong password for a legacy bcrypt user take as long as one for an unknown
// identifier, and does a burst of bcrypt verifies leave the event loop alone?
// Drives the compiled PasswordHasher itself (the code sign-in calls), not a copy:
//
//   npm run build && node bench/bcrypt-timing.mjs
//   # or, without touching dist/:
//   npx tsc -p tsconfig.build.json --outDir /tmp/bcrypt-dist --tsBuildInfoFile /tmp/bcrypt-dist/.tsbuildinfo
//   BENCH_DIST=/tmp/bcrypt-dist node bench/bcrypt-timing.mjs
//
// BENCH_RUNS (3) runs of BENCH_ROUNDS (20) rounds; each round checks one wrong password
// per case, in a shuffled order, one at a time (as one prober would), so drifting load
// on a shared machine hits every case alike. Tables show the median over runs of each
// run's median / p90, with (min-max) over runs.
import { existsSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { median, percentile, summary } from './lib/stats.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.resolve(process.env.BENCH_DIST ?? path.join(ROOT, 'dist'));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const BURST = 20;
const PASSWORD = 'bench-password-1';
const WRONG = 'bench-password-2';

// A temporary outDir has no node_modules above it; link the project's.
if (!DIST.startsWith(ROOT + path.sep) && !existsSync(path.join(DIST, 'node_modules'))) {
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(DIST, 'node_modules'), 'dir');
}
const requireFromRoot = createRequire(path.join(ROOT, 'package.json'));
const bcrypt = requireFromRoot('bcryptjs');
const { PasswordHasher } = requireFromRoot(['modules/credentials/password-hasher.js', 'modules/auth/password-hasher.js'].map((f) => path.join(DIST, f)).find((f) => existsSync(f)) ?? path.join(DIST, 'modules/credentials/password-hasher.js'));
if (!('failureFloor' in PasswordHasher.prototype)) {
  console.error(`${DIST} holds a PasswordHasher without the failure floor: build first (see the top of this file).`);
  process.exit(1);
}

/** As the service builds it: automatic concurrency, the default queue, migrated hashes up to cost 12. */
const newHasher = () => new PasswordHasher({ signIn: { hashConcurrency: 0, hashQueueMax: 256, legacyBcryptCost: 12 } });

async function timed(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

function shuffled(items) {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

const stats = (samples) => {
  const s = [...samples].sort((a, b) => a - b);
  return { median: median(s), p90: percentile(s, 90) };
};

async function timingRun(hashes) {
  const hasher = newHasher();
  try {
    await hasher.prime();
    // A right password is not held to the floor: this is the bare verify time of each kind.
    const bare = {};
    for (const [name, hash] of [['argon2id', hashes.argon2], ['bcrypt 10', hashes.bcrypt10], ['bcrypt 12', hashes.bcrypt12]]) {
      const samples = [];
      for (let i = 0; i < 5; i++) samples.push(await timed(() => hasher.verify(hash, PASSWORD)));
      bare[name] = median(samples);
    }
    const cases = {
      'unknown identifier (dummyVerify)': () => hasher.dummyVerify(WRONG),
      'argon2id user, wrong password': () => hasher.verify(hashes.argon2, WRONG),
      'bcrypt cost 10 user, wrong password': () => hasher.verify(hashes.bcrypt10, WRONG),
      'bcrypt cost 12 user, wrong password': () => hasher.verify(hashes.bcrypt12, WRONG),
    };
    const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of shuffled(Object.keys(cases))) samples[name].push(await timed(cases[name]));
    }
    return { bare, failures: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, stats(v)])), floor: hasher.failureFloor };
  } finally {
    await hasher.onModuleDestroy();
  }
}

/**
 * Event-loop delay while `burst` runs, the burst's wall time, and the event loop's
 * utilisation (the share of the time the main thread was busy running JavaScript
 * rather than waiting): delay also grows when hash threads merely compete with the
 * main thread for the cores, utilisation only when the main thread does the work.
 */
async function loopDelayDuring(burst) {
  const h = monitorEventLoopDelay({ resolution: 5 });
  const elu0 = performance.eventLoopUtilization();
  h.enable();
  const wall = await timed(burst);
  h.disable();
  const elu = performance.eventLoopUtilization(elu0).utilization;
  return { maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6, wallMs: wall, elu };
}

// What the hasher did before: bcryptjs's async compare on the main thread, two at a time.
async function mainThreadBurst(hash) {
  const queue = Array.from({ length: BURST }, () => () => bcrypt.compare(WRONG, hash));
  await Promise.all([0, 1].map(async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await job();
  }));
}

async function loopRun(hash) {
  const hasher = newHasher();
  try {
    await hasher.prime(); // every thread started and warm, as after boot
    const workers = await loopDelayDuring(() => Promise.all(Array.from({ length: BURST }, () => hasher.verify(hash, WRONG))));
    const mainThread = await loopDelayDuring(() => mainThreadBurst(hash));
    const argon2 = await loopDelayDuring(() => Promise.all(Array.from({ length: BURST }, () => hasher.dummyVerify(WRONG))));
    // The machine's own noise: the same monitor over an idle loop for as long.
    const idle = await loopDelayDuring(() => new Promise((resolve) => setTimeout(resolve, workers.wallMs)));
    return { workers, mainThread, argon2, idle };
  } finally {
    await hasher.onModuleDestroy();
  }
}

const fmt = (values, digits = 0) => summary(values, digits);

const load0 = os.loadavg();
console.log(`Node ${process.version}, ${os.availableParallelism()} cores (${os.cpus()[0]?.model}), load average ${load0.map((l) => l.toFixed(1)).join(' ')}`);
console.log(`hasher from ${DIST}; ${RUNS} runs x ${ROUNDS} rounds\n`);

const setupHasher = newHasher();
const hashes = {
  argon2: await setupHasher.hash(PASSWORD),
  bcrypt10: bcrypt.hashSync(PASSWORD, 10),
  bcrypt12: bcrypt.hashSync(PASSWORD, 12).replace(/^\$2b\$/, '$2y$'),
};
await setupHasher.onModuleDestroy();

const runs = [];
for (let i = 0; i < RUNS; i++) {
  runs.push(await timingRun(hashes));
  process.stderr.write(`timing run ${i + 1}/${RUNS} done\n`);
}
const loops = [];
for (let i = 0; i < RUNS; i++) loops.push(await loopRun(hashes.bcrypt10));

console.log('Bare verify time (right password, not held), ms');
console.log('| hash | median (min-max) over runs |\n|---|---|');
for (const name of Object.keys(runs[0].bare)) console.log(`| ${name} | ${fmt(runs.map((r) => r.bare[name]), 1)} |`);

const unknown = 'unknown identifier (dummyVerify)';
console.log('\nWrong password (held to the failure floor), ms; ratio = this case / unknown identifier');
console.log('| case | median | p90 | ratio of medians | ratio of p90s |\n|---|---|---|---|---|');
for (const name of Object.keys(runs[0].failures)) {
  const col = (k) => runs.map((r) => r.failures[name][k]);
  const ratio = (k) => runs.map((r) => r.failures[name][k] / r.failures[unknown][k]);
  console.log(`| ${name} | ${fmt(col('median'))} | ${fmt(col('p90'))} | ${fmt(ratio('median'), 3)} | ${fmt(ratio('p90'), 3)} |`);
}
console.log(`\nFailure floor at the end of each run, ms: ${runs.map((r) => r.floor.ms.toFixed(0)).join(', ')}`);
console.log(`estimated verify time per kind at the end of the last run, ms: ${JSON.stringify(Object.fromEntries(Object.entries(runs.at(-1).floor.kinds).map(([k, v]) => [k, Math.round(v)])))}`);

console.log(`\nEvent loop during ${BURST} concurrent wrong-password bcrypt cost 10 verifies, ms`);
console.log('| path | max loop delay | p99 loop delay | event-loop utilisation | burst wall time |\n|---|---|---|---|---|');
const paths = [
  ['PasswordHasher.verify, bcrypt on worker threads', 'workers'],
  ['bcryptjs.compare on the main thread, 2 at a time (before)', 'mainThread'],
  [`PasswordHasher.dummyVerify x ${BURST}, argon2 on libuv (reference)`, 'argon2'],
  ['idle loop, as long as the first burst (noise floor)', 'idle'],
];
for (const [label, key] of paths) {
  const col = (k, d) => fmt(loops.map((l) => l[key][k]), d);
  console.log(`| ${label} | ${col('maxMs', 1)} | ${col('p99Ms', 1)} | ${col('elu', 2)} | ${col('wallMs', 0)} |`);
}
console.log(`\nload average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
