import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../clock';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { AdvisoryLock } from '../../database/advisory-lock';

/** Deletes at most `batch` expired rows of one kind; returns how many. */
export interface SweepTask {
  readonly name: string;
  sweep(now: Date, batch: number): Promise<number>;
}

const BATCH = 1_000;
const LOCK_NAME = 'auth-service:expiry-sweeper';

/**
 * Periodic deletion of expired rows (sessions, single-use tokens, MFA challenges,
 * verification codes, stale lockout counters). Modules register their own task;
 * each runs in batches, so one sweep never holds long locks.
 * EXPIRY_SWEEP_INTERVAL_SECONDS (formerly SESSION_CLEANUP_INTERVAL_SECONDS) sets the period (0: off).
 *
 * One sweep at a time across all replicas: a sweep runs under a PostgreSQL
 * advisory lock, and a replica that finds it taken skips its turn. Every replica
 * wakes at the same wall-clock multiples of the period, so in practice one of
 * them sweeps per period and the others skip.
 */
@Injectable()
export class ExpirySweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Cleanup');
  private readonly tasks: SweepTask[] = [];
  private readonly lock: AdvisoryLock;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DataSource) dataSource: DataSource,
  ) {
    this.lock = new AdvisoryLock(dataSource, LOCK_NAME);
  }

  register(task: SweepTask): void {
    this.tasks.push(task);
  }

  onApplicationBootstrap(): void {
    if (this.config.maintenance.expirySweepIntervalSeconds > 0) this.scheduleNext();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /**
   * One sweep of every task, if no other sweep (of this or another replica) is
   * running: the rows deleted per task, or null when this turn was skipped
   * (another holds the lock, or the database is unreachable). A failing task is
   * logged and does not stop the others.
   */
  async runOnce(): Promise<Record<string, number> | null> {
    try {
      return await this.lock.runExclusive(() => this.sweepAll());
    } catch (e) {
      this.logger.warn(`Cleanup skipped: ${e instanceof Error ? e.message : 'unknown error'}`);
      return null;
    }
  }

  private scheduleNext(): void {
    const period = this.config.maintenance.expirySweepIntervalSeconds * 1000;
    // Real time, not the injectable clock: aligned to wall-clock multiples of the period so replicas wake together.
    this.timer = setTimeout(() => {
      void this.runOnce().finally(() => {
        if (!this.stopped) this.scheduleNext();
      });
    }, period - (Date.now() % period));
    this.timer.unref();
  }

  private async sweepAll(): Promise<Record<string, number>> {
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
