import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';

/**
 * Work a request starts but does not wait for (RecoveryStart's lookup and mail).
 * A failure is logged, never an unhandled rejection; shutdown waits for what is
 * running, and tests can `drain()` to observe the outcome.
 */
@Injectable()
export class BackgroundTasks implements OnApplicationShutdown {
  private readonly logger = new Logger('Background');
  private readonly running = new Set<Promise<void>>();

  run(name: string, work: () => Promise<void>): void {
    const task = (async () => {
      try {
        await work();
      } catch (e) {
        this.logger.error(`${name} failed: ${e instanceof Error ? e.message : 'unknown error'}`);
      }
    })();
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
  }

  /** Resolves once every task started so far (and any they started) has finished. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.drain();
  }
}
