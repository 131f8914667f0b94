import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { GrpcHealth, type ServingStatus } from '../../common/grpc/grpc-health';
import { pendingMigrations } from '../../database/migrator';
import { HEALTH_SERVICES, LIVENESS_HEALTH_SERVICE } from '../../common/grpc/served-services';

export interface ReadinessReport {
  readonly ready: boolean;
  readonly database: { readonly up: boolean; readonly message?: string };
  readonly migrations: { readonly up: boolean; readonly pending: readonly string[] };
}

const CHECK_TIMEOUT_MS = 2_000;
const POLL_INTERVAL_MS = 2_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e: unknown) => { clearTimeout(t); reject(e instanceof Error ? e : new Error(String(e))); });
  });
}

/**
 * The one truth about readiness: database reachable, schema current, not
 * shutting down. HTTP /health/ready asks it directly; gRPC health follows it
 * through a poll, so Watch streams see changes within a few seconds.
 */
@Injectable()
export class ReadinessService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Readiness');
  readonly grpcHealth = new GrpcHealth(HEALTH_SERVICES, 'NOT_SERVING', { [LIVENESS_HEALTH_SERVICE]: 'SERVING' });
  private shuttingDown = false;
  private timer?: NodeJS.Timeout;
  private lastReady?: boolean;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  onApplicationBootstrap(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), POLL_INTERVAL_MS);
    this.timer.unref();
  }

  /** Readiness turns 503 / NOT_SERVING first, before servers stop accepting work. */
  beginShutdown(): void {
    this.shuttingDown = true;
    this.setGrpcStatus('NOT_SERVING');
  }

  /** Watch streams are told NOT_SERVING first (beginShutdown), then closed so the gRPC server can drain. */
  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
    this.beginShutdown();
    this.grpcHealth.endWatches();
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  async check(): Promise<ReadinessReport> {
    let database: ReadinessReport['database'] = { up: true };
    let migrations: ReadinessReport['migrations'] = { up: false, pending: [] };
    try {
      const pending = await withTimeout(pendingMigrations(this.dataSource), CHECK_TIMEOUT_MS);
      migrations = { up: pending.length === 0, pending };
    } catch (e) {
      database = { up: false, message: e instanceof Error ? e.message : 'unreachable' };
    }
    return { ready: !this.shuttingDown && database.up && migrations.up, database, migrations };
  }

  private async refresh(): Promise<void> {
    if (this.shuttingDown) return;
    const report = await this.check();
    if (this.shuttingDown) return;
    this.setGrpcStatus(report.ready ? 'SERVING' : 'NOT_SERVING');
    if (report.ready !== this.lastReady) {
      const why = report.database.up ? `pending migrations: ${report.migrations.pending.join(', ') || 'none'}` : 'database unreachable';
      if (report.ready) this.logger.log('Ready');
      else this.logger.warn(`Not ready (${why})`);
      this.lastReady = report.ready;
    }
  }

  private setGrpcStatus(status: ServingStatus): void {
    for (const s of HEALTH_SERVICES) this.grpcHealth.setStatus(s, status);
  }
}
