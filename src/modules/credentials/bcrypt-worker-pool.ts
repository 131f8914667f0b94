import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** What a compare came to: a match, a mismatch, or a stored hash bcryptjs could not read. */
export type BcryptOutcome = boolean | 'unparsable';

// The worker is an inline CommonJS script rather than a file beside this one: the same
// code then runs from dist/ (nest build) and from the TypeScript source under vitest.
// bcryptjs is resolved here and handed over by absolute path, since an eval worker
// resolves modules from the process's working directory. compareSync is right in a
// worker: it runs all rounds at once instead of yielding, and the thread has nothing
// else to do. A parse error is reported without its message, which may quote the hash.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptjsPath);
parentPort.on('message', ({ hash, password }) => {
  let outcome;
  try {
    outcome = bcrypt.compareSync(password, hash);
  } catch {
    outcome = 'unparsable';
  }
  parentPort.postMessage(outcome);
});
`;

// bcryptjs needs a few KiB per compare; the limits keep an idle thread's heap small.
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 };

interface Task {
  readonly hash: string;
  readonly password: string;
  readonly resolve: (outcome: BcryptOutcome) => void;
  readonly reject: (err: Error) => void;
}

/**
 * A fixed pool of worker threads running bcryptjs, so a legacy bcrypt compare (about
 * 100 ms of CPU at cost 10, 400 ms at cost 12) never runs on the event loop. Threads
 * start on first use (a deployment without bcrypt hashes starts none) and stay; while
 * idle they are unref'd, so they never keep a process alive. One compare per thread at
 * a time; callers bound concurrency themselves (PasswordHasher's queue), the backlog
 * here only covers a caller that does not.
 */
export class BcryptWorkerPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Task>();
  private readonly backlog: Task[] = [];
  private readonly bcryptjsPath = createRequire(__filename).resolve('bcryptjs');
  private closed = false;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('size must be an integer >= 1');
  }

  /** Threads alive (idle or busy). */
  get threads(): number {
    return this.idle.length + this.busy.size;
  }

  /** Compares `password` with a bcrypt `hash` on a worker thread. Rejects only if the pool is closed or a thread dies. */
  compare(password: string, hash: string): Promise<BcryptOutcome> {
    if (this.closed) return Promise.reject(new Error('bcrypt worker pool is closed'));
    return new Promise((resolve, reject) => {
      this.backlog.push({ hash, password, resolve, reject });
      this.dispatch();
    });
  }

  /** Terminates every thread; compares in flight or waiting reject. */
  async destroy(): Promise<void> {
    this.closed = true;
    for (const task of this.backlog.splice(0)) task.reject(new Error('bcrypt worker pool is closed'));
    await Promise.all([...this.idle, ...this.busy.keys()].map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.backlog.length > 0 && (this.idle.length > 0 || this.threads < this.size)) {
      const worker = this.idle.pop() ?? this.spawn();
      const task = this.backlog.shift()!;
      this.busy.set(worker, task);
      worker.ref();
      worker.postMessage({ hash: task.hash, password: task.password });
    }
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptjsPath: this.bcryptjsPath }, resourceLimits: RESOURCE_LIMITS });
    worker.on('message', (outcome: BcryptOutcome) => {
      const task = this.busy.get(worker);
      this.busy.delete(worker);
      worker.unref();
      if (!this.closed) this.idle.push(worker);
      task?.resolve(outcome);
      this.dispatch();
    });
    // 'exit' follows 'error'; the listener only keeps an uncaught worker error from
    // crashing the process.
    worker.on('error', () => undefined);
    worker.on('exit', () => {
      const task = this.busy.get(worker);
      this.busy.delete(worker);
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
      task?.reject(new Error('bcrypt worker exited'));
      if (!this.closed) this.dispatch();
    });
    return worker;
  }
}
