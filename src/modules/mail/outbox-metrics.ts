import { Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { Clock } from '../../common/clock';
import { MAIL_OUTBOX_BACKLOG, MAIL_OUTBOX_OLDEST_AGE } from '../../common/observability/operator-metrics';
import { MailOutboxRepository } from './mail-outbox.repository';

/**
 * mail_outbox_backlog and mail_outbox_oldest_age_seconds, read from the table when
 * /metrics is scraped (one indexed count per scrape), so every replica reports the
 * shared outbox as it is, whichever replica's worker sends.
 */
@Injectable()
export class OutboxMetrics implements OnModuleInit {
  private readonly logger = new Logger('OutboxMetrics');

  constructor(
    private readonly repo: MailOutboxRepository,
    private readonly clock: Clock,
    // Optional: the CLI builds the mail module without the observability module.
    @Optional() @InjectMetric(MAIL_OUTBOX_BACKLOG) private readonly backlog?: Gauge,
    @Optional() @InjectMetric(MAIL_OUTBOX_OLDEST_AGE) private readonly oldestAge?: Gauge,
  ) {}

  onModuleInit(): void {
    const { backlog, oldestAge } = this;
    if (!backlog || !oldestAge) return;
    // One query serves both gauges of a scrape: the first to collect refreshes, the other reuses it.
    let pending: Promise<void> | null = null;
    const refresh = (): Promise<void> => {
      pending ??= this.repo.backlog().then(
        (b) => {
          backlog.set(b.waiting);
          oldestAge.set(b.oldestCreatedAt ? Math.max(0, (this.clock.now().getTime() - b.oldestCreatedAt.getTime()) / 1000) : 0);
        },
        // A scrape during a database outage keeps the last values; readiness reports the outage.
        (e: unknown) => this.logger.debug(`Outbox backlog not read: ${e instanceof Error ? e.message : String(e)}`),
      ).finally(() => setImmediate(() => { pending = null; }));
      return pending;
    };
    Object.assign(backlog, { collect: refresh });
    Object.assign(oldestAge, { collect: refresh });
  }
}
