/**
 * Collects the lookups that arrive within one turn of the event loop and runs them
 * as one batch: under load, one database round trip answers many concurrent calls
 * instead of one each (each round trip costs the main thread a socket write and a
 * reply to parse; BENCHMARKS.md). A lone call waits one setImmediate at most.
 *
 * `run(keys)` answers one result per key, in order. When it fails, every call of
 * that batch fails with its error; later batches are unaffected.
 */
export class MicroBatch<K, V> {
  private keys: K[] = [];
  private waiters: Array<{ resolve(v: V): void; reject(e: unknown): void }> = [];
  private scheduled = false;

  constructor(
    private readonly run: (keys: readonly K[]) => Promise<readonly V[]>,
    private readonly maxBatch = 256,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError('maxBatch must be an integer >= 1');
  }

  load(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      this.keys.push(key);
      this.waiters.push({ resolve, reject });
      if (this.keys.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    if (this.keys.length === 0) return;
    const keys = this.keys;
    const waiters = this.waiters;
    this.keys = [];
    this.waiters = [];
    this.run(keys).then(
      (values) => {
        if (values.length !== keys.length) {
          const e = new Error(`batch answered ${values.length} results for ${keys.length} keys`);
          for (const w of waiters) w.reject(e);
          return;
        }
        waiters.forEach((w, i) => w.resolve(values[i]));
      },
      (e: unknown) => {
        for (const w of waiters) w.reject(e);
      },
    );
  }
}
