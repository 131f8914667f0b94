import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../clock';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';

/** Deletes at most `batch` expired rows of one kind; returns how many. */
export interface SweepTask {
  readonly name: string;
  sweep(now: Date, batch: number): Promise<number>;
}

const BATCH = 1_000;

/**
 * Periodic deletion of expired rows (sessions, single-use tokens, MFA challenges,
 * verification codes, stale lockout counters). Modules register their own task;
 * each runs in batches, so one sweep never holds long locks.
 * SESSION_CLEANUP_INTERVAL_SECONDS sets the period (0: off).
 */
@Injectable()
export class ExpirySweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Cleanup');
  private readonly tasks: SweepTask[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  register(task: SweepTask): void {
    this.tasks.push(task);
  }

  onApplicationBootstrap(): void {
    const every = this.config.sessions.cleanupIntervalSeconds;
    if (every <= 0) return;
    this.timer = setInterval(() => void this.runOnce(), every * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One sweep of every task; a failing task is logged and does not stop the others. */
  async runOnce(): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    for (const task of this.tasks) {
      let total = 0;
      try {
        for (;;) {
          const n = await task.sweep(this.clock.now(), BATCH);
          total += n;
          if (n < BATCH) break;
        }
      } catch (e) {
        this.logger.warn(`Cleanup of ${task.name} failed: ${e instanceof Error ? e.message : 'unknown error'}`);
      }
      deleted[task.name] = total;
      if (total > 0) this.logger.log(`Deleted ${total} expired ${task.name}`);
    }
    return deleted;
  }
}
