// Starts the built service (dist/main.js) as its own process and samples its RSS.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const NODE = path.join(ROOT, 'node_modules/.bin/node');

export function rssOf(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Peak RSS (VmHWM) of a process since it started or since the last resetHighWater:
 * the kernel's own high-water mark, so no short spike between two samples is missed.
 */
export function highWaterOf(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resets VmHWM to the current RSS (Linux: "5" to clear_refs; owner or root only). */
export function resetHighWater(pid) {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSecondsOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

export async function waitFor(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The V8 flags `npm start` uses, so benchmarks measure the service as it is started.
 * BENCH_NODE_FLAGS replaces them (A/B runs of heap settings without editing package.json).
 */
export const START_FLAGS = process.env.BENCH_NODE_FLAGS !== undefined
  ? process.env.BENCH_NODE_FLAGS.split(/\s+/).filter(Boolean)
  : startCommandArgs();

/** The node options of the start script: everything between `node` and the entry file. */
function startCommandArgs() {
  const tokens = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start.split(/\s+/);
  return tokens.slice(tokens.indexOf('node') + 1, tokens.indexOf('dist/main.js'));
}

/** The V8 heap flags alone (no --import): for the bare processes compared with the service. */
export const HEAP_FLAGS = START_FLAGS.filter((f) => /^--max-(semi|old)-space-size=/.test(f));

/** Environment assignments that prefix the start command (MALLOC_ARENA_MAX=2). */
export const START_ENV = Object.fromEntries(
  JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start.split(/\s+/)
    .filter((t) => /^[A-Z_]+=/.test(t)).map((t) => t.split('=')),
);

/** BENCH_PORT_OFFSET moves every port a benchmark listens on (two checkouts benchmarking on one machine). */
export const PORT_OFFSET = Number(process.env.BENCH_PORT_OFFSET ?? 0);

/** `root`: another checkout's build (bench/lib/baseline.mjs) instead of this one's. */
export async function startServer({ port: basePort, grpcPort: baseGrpcPort, env = {}, args = START_FLAGS, root = ROOT }) {
  const [port, grpcPort] = [basePort + PORT_OFFSET, baseGrpcPort + PORT_OFFSET];
  const started = process.hrtime.bigint();
  const child = spawn(NODE, [...args, path.join(root, 'dist/main.js')], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      GRPC_HOST: '127.0.0.1',
      PORT: String(port),
      GRPC_PORT: String(grpcPort),
      JWT_SECRET_KEY: 'bench-secret-bench-secret-bench-secret-0123',
      RATE_LIMIT_ENABLED: 'false',
      LOG_LEVEL: 'warn',
      JSON_LOGS: 'true',
      SESSION_CLEANUP_INTERVAL_SECONDS: '0',
      ...START_ENV,
      // A/B runs of malloc settings: BENCH_SERVER_ENV='{"MALLOC_TRIM_THRESHOLD_":"65536"}'.
      ...JSON.parse(process.env.BENCH_SERVER_ENV ?? '{}'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/health/ready`)).status === 200, 60_000, 'readiness').catch((e) => {
    child.kill('SIGKILL');
    throw new Error(`${e.message}\n${output.slice(-2000)}`);
  });
  const coldStartMs = Number(process.hrtime.bigint() - started) / 1e6;
  return {
    pid: child.pid,
    url,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    coldStartMs,
    rss: () => rssOf(child.pid),
    /** Footprint under load: VmHWM since the last resetPeak (call it after the warm-up). */
    peakRss: () => highWaterOf(child.pid),
    resetPeak: () => resetHighWater(child.pid),
    cpuSeconds: () => cpuSecondsOf(child.pid),
    output: () => output,
    exitCode: () => child.exitCode,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
