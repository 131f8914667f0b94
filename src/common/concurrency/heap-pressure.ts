import { getHeapStatistics, type HeapInfo } from 'node:v8';

/** Share of V8's heap limit in use above which new requests are refused (see HeapPressure). */
export const HEAP_SHED_THRESHOLD = 0.85;

/**
 * Whether the V8 heap is close to its limit (`--max-old-space-size` plus the young
 * generation). The service runs with a capped heap (package.json start, Dockerfile,
 * Helm): at the cap V8 aborts the process, so before live data gets there new requests
 * are refused (503 / UNAVAILABLE with Retry-After) while those already admitted finish
 * and free their memory. Sampled on a timer, so a request only reads a boolean.
 *
 * `used_heap_size` includes garbage not yet collected; V8 collects more often as the
 * heap nears its limit, so staying above the threshold for a sample means live data
 * (or garbage V8 cannot keep up with) really is that large.
 */
export class HeapPressure {
  private high = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly threshold = HEAP_SHED_THRESHOLD,
    private readonly stats: () => Pick<HeapInfo, 'used_heap_size' | 'heap_size_limit'> = getHeapStatistics,
  ) {
    if (!(threshold > 0 && threshold <= 1)) throw new RangeError('threshold must be in (0, 1]');
  }

  /** True while the last sample was above the threshold. */
  get overloaded(): boolean {
    return this.high;
  }

  sample(): boolean {
    const s = this.stats();
    this.high = s.used_heap_size > this.threshold * s.heap_size_limit;
    return this.high;
  }

  /** Samples every `intervalMs` (about 1 µs each) until stop(); the timer never keeps the process alive. */
  start(intervalMs = 50): void {
    if (this.timer) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.high = false;
  }
}

/** The process's one sampler: the heap is per process, so is its pressure. */
export const heapPressure = new HeapPressure();
