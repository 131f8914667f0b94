/**
 * A semaphore with a bounded waiting line: at most `concurrency` tasks run at once,
 * at most `maxWaiting` wait for a slot, and any task beyond that is rejected at once.
 * Rejecting early keeps a burst from turning into unbounded memory and latency.
 */
export class BoundedQueue {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(
    readonly concurrency: number,
    readonly maxWaiting: number,
    private readonly onFull: () => Error = () => new Error('Queue is full'),
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be an integer >= 1');
    if (!Number.isInteger(maxWaiting) || maxWaiting < 0) throw new RangeError('maxWaiting must be an integer >= 0');
  }

  get running(): number {
    return this.active;
  }

  get waiting(): number {
    return this.queue.length;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      if (this.queue.length >= this.maxWaiting) throw this.onFull();
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  // The slot passes straight to the next waiter, so a newcomer arriving between
  // release and resumption cannot overtake the line.
  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.active--;
  }
}
