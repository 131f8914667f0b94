// gRPC load from h2load (Debian's nghttp2-client): a C client that sends a pre-encoded
// request, so the load generator takes a small share of the 2 cores. grpc-js as a client
// needs about as much CPU as the server it loads (BENCHMARKS.md), which capped the
// figures it measured.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { percentile } from './stats.mjs';

export function h2loadAvailable() {
  try {
    execFileSync('h2load', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** CPU seconds of this process's finished children (h2load), from /proc. */
function childrenCpuSeconds() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** A gRPC length-prefixed message: 1 byte "not compressed", 4 bytes length, the protobuf bytes. */
export function grpcFrame(protobufBytes = Buffer.alloc(0)) {
  const frame = Buffer.alloc(5 + protobufBytes.length);
  frame.writeUInt32BE(protobufBytes.length, 1);
  protobufBytes.copy(frame, 5);
  return frame;
}

/**
 * Runs h2load against one gRPC method for `durationSec` with `clients` connections of
 * `streams` concurrent calls each. h2load sees HTTP statuses only (gRPC answers 200 with
 * the status in trailers): callers count gRPC errors from the server's own metrics.
 */
export async function grpcH2load({ address, method, frame = grpcFrame(), headers = {}, clients = 4, streams = 16, durationSec = 10, warmupSec = 1 }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'h2load-'));
  try {
    writeFileSync(path.join(dir, 'body'), frame);
    const args = [
      '-c', String(clients), '-m', String(streams), '-D', String(durationSec), `--warm-up-time=${warmupSec}`,
      '-d', path.join(dir, 'body'), '--log-file', path.join(dir, 'log'),
      '-H', 'content-type: application/grpc', '-H', 'te: trailers',
      ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
      `http://${address}${method}`,
    ];
    const cpu0 = childrenCpuSeconds();
    const t0 = process.hrtime.bigint();
    const out = await new Promise((resolve, reject) => execFile('h2load', args, { maxBuffer: 16 << 20 }, (e, stdout) => (e ? reject(e) : resolve(stdout))));
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const rps = Number(/finished in [\d.]+s, ([\d.]+) req\/s/.exec(out)[1]);
    const [, ok, , , c4, c5] = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out) ?? [];
    const failed = Number(/(\d+) failed/.exec(out)?.[1] ?? 0);
    // Log lines: start time (µs), HTTP status, duration (µs). The warm-up is not logged.
    const latencies = readFileSync(path.join(dir, 'log'), 'utf8').trim().split('\n').map((l) => Number(l.split('\t')[2]) / 1000).sort((a, b) => a - b);
    return {
      rps, requests: Number(ok), p50: percentile(latencies, 50), p99: percentile(latencies, 99),
      errors: failed + Number(c4 ?? 0) + Number(c5 ?? 0),
      loadCpu: (childrenCpuSeconds() - cpu0) / wall,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
