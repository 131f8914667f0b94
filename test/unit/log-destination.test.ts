import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { boundedDestination } from '../../src/common/observability/logger.options';

/** A pipe whose reader never reads: a log collector that stalled. Returns the write end's fd. */
function stalledPipe(): { fd: number; child: ChildProcess } {
  const child = spawn('sleep', ['30'], { stdio: ['pipe', 'ignore', 'ignore'] });
  child.stdin!.on('error', () => undefined); // EPIPE once the reader is killed
  const fd = (child.stdin as unknown as { _handle: { fd: number } })._handle.fd;
  return { fd, child };
}

const LINE = `${JSON.stringify({ level: 30, msg: 'request completed', pad: 'x'.repeat(180) })}\n`;
const LINES = 100_000; // ~20 MB, far more than a pipe holds (64 KiB)

describe('log destination when stdout is not read', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  it('queues at most its bound and counts every line it drops', async () => {
    const pipe = stalledPipe();
    child = pipe.child;
    const maxBytes = 1024 * 1024;
    let dropped = 0;
    const dest = boundedDestination(pipe.fd, maxBytes, (n) => (dropped += n));
    for (let i = 0; i < LINES; i++) dest.write(LINE);
    const queued = (dest as unknown as { _len: number })._len;
    expect(queued).toBeLessThanOrEqual(maxBytes);
    // Whatever is neither queued nor in the pipe was dropped, and counted line by line.
    const inPipe = Math.ceil((LINES * LINE.length - queued) / LINE.length) - dropped;
    expect(dropped).toBeGreaterThan(LINES - maxBytes / LINE.length - 1024);
    expect(inPipe).toBeLessThan(LINES / 10);
  });

  it('(the unbounded queue it replaces: a plain Node stream on the same pipe keeps every line in memory)', () => {
    const pipe = stalledPipe();
    child = pipe.child;
    const stream = pipe.child.stdin!;
    stream.on('error', () => undefined); // EPIPE once the reader is killed
    for (let i = 0; i < LINES; i++) stream.write(LINE);
    expect(stream.writableLength).toBeGreaterThan(LINES * LINE.length * 0.9);
  });
});
