import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../../common/clock';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { MailTemplate, MailTemplateData } from './mail.model';
import { MailOutboxRepository, type ClaimedMail } from './mail-outbox.repository';
import { describeSendError, MailTransport } from './mail-transport';
import { renderMail } from './templates/render';

/** A claim lasts this long; SMTP timeouts (10 s + 30 s) stay well inside it. */
export const MAIL_LEASE_MS = 5 * 60_000;
const BATCH = 20;
const MAX_BACKOFF_MS = 6 * 3_600_000;

/**
 * What the worker does with due mail:
 * - `smtp`: sends through SMTP_URL;
 * - `log`: development without SMTP: logs subject and links (the only place a token is logged) and marks the mail sent;
 * - `hold`: production or test without SMTP: sends nothing, mail stays queued until SMTP is configured;
 * - `off`: MAIL_OUTBOX_POLL_MS=0, this replica does not send (another one does).
 */
export type OutboxMode = 'smtp' | 'log' | 'hold' | 'off';

/**
 * Delivers the outbox: a polling loop (MAIL_OUTBOX_POLL_MS) that claims due rows
 * with a lease, sends each outside any transaction, then marks it sent or
 * schedules a retry with exponential back-off; after MAIL_MAX_ATTEMPTS the row
 * is marked failed and logged (template and id only, never the body or tokens).
 * Replicas share the work through FOR UPDATE SKIP LOCKED; a replica that dies
 * mid-send leaves its rows to come back when their lease ends.
 */
@Injectable()
export class OutboxWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('MailOutbox');
  readonly mode: OutboxMode;
  private timer?: NodeJS.Timeout;
  private pass?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly outbox: MailOutboxRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly transport?: MailTransport,
  ) {
    const mail = config.mail;
    if (mail.outboxPollMs === 0) this.mode = 'off';
    else if (transport) this.mode = 'smtp';
    else this.mode = config.nodeEnv === 'development' ? 'log' : 'hold';
  }

  onApplicationBootstrap(): void {
    switch (this.mode) {
      case 'off':
        this.logger.log('Outbox worker off on this replica (MAIL_OUTBOX_POLL_MS=0): mail stays queued for another replica');
        return;
      case 'hold':
        if (this.config.nodeEnv === 'production') this.logger.warn('SMTP_URL is not set: mail is queued in mail_outbox and not sent until it is');
        else this.logger.log('SMTP_URL is not set: mail is queued and not sent');
        return;
      case 'log':
        this.logger.log('SMTP_URL is not set (development): each mail\'s subject and links are logged instead of sent');
        break;
      case 'smtp':
        this.logger.log(`Sending mail through SMTP every ${this.config.mail.outboxPollMs} ms`);
        break;
    }
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    // A pass in progress finishes its current sends (each bounded by SMTP timeouts) and records them.
    await this.pass;
    this.transport?.close();
  }

  /**
   * One pass: claims and sends due mail until none is left (nothing in `hold` and
   * `off` modes). Tests may call it directly; concurrent calls share the pass in progress.
   */
  runOnce(): Promise<void> {
    this.pass ??= this.work().finally(() => {
      this.pass = undefined;
    });
    return this.pass;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.runOnce().finally(() => this.schedule(this.config.mail.outboxPollMs));
    }, delayMs);
    // The loop never keeps the process alive on its own.
    this.timer.unref();
  }

  private async work(): Promise<void> {
    // Held mail must not reach the log: outside development that would log tokens.
    if (this.mode !== 'smtp' && this.mode !== 'log') return;
    try {
      const maxAttempts = this.config.mail.maxAttempts;
      for (const row of await this.outbox.failExhausted(this.clock.now(), maxAttempts)) {
        this.logger.error(`Mail ${row.id} (${row.template}) failed: its sender stopped during attempt ${row.attempts} of ${maxAttempts}`);
      }
      while (!this.stopped) {
        const now = this.clock.now();
        const leaseId = randomUUID();
        const claimed = await this.outbox.claimDue(now, leaseId, new Date(now.getTime() + MAIL_LEASE_MS), BATCH, maxAttempts);
        for (const mail of claimed) await this.deliver(mail);
        if (claimed.length < BATCH) break;
      }
    } catch (e) {
      // The database may be away for a moment; the next pass tries again.
      this.logger.warn(`Outbox pass failed: ${e instanceof Error ? e.message : 'unknown error'}`);
    }
  }

  private async deliver(mail: ClaimedMail): Promise<void> {
    let outcome: string | null = null;
    try {
      const rendered = renderMail(mail.template, mail.locale, mail.data as unknown as MailTemplateData[MailTemplate]);
      if (this.mode === 'smtp') {
        await this.transport!.send(mail.recipient, rendered);
      } else {
        // Development only: the link holds a token, and this is the one place one is logged.
        this.logger.log(`Mail not sent (no SMTP_URL): to ${mail.recipient}, "${rendered.subject}"${rendered.links.map((l) => `\n  ${l}`).join('')}`);
      }
    } catch (e) {
      outcome = describeSendError(e);
    }
    const now = this.clock.now();
    if (outcome === null) {
      if (!(await this.outbox.markSent(mail.id, mail.leaseId, now))) {
        this.logger.warn(`Mail ${mail.id} (${mail.template}) was sent after its lease ran out; another replica may send it again`);
      }
      return;
    }
    if (mail.attempts >= this.config.mail.maxAttempts) {
      await this.outbox.markFailed(mail.id, mail.leaseId, outcome, now);
      this.logger.error(`Mail ${mail.id} (${mail.template}) failed after ${mail.attempts} attempts, giving up: ${outcome}`);
      return;
    }
    const retryAt = new Date(now.getTime() + this.backoffMs(mail.attempts));
    await this.outbox.scheduleRetry(mail.id, mail.leaseId, retryAt, outcome, now);
    this.logger.warn(`Mail ${mail.id} (${mail.template}) attempt ${mail.attempts} failed, retry at ${retryAt.toISOString()}: ${outcome}`);
  }

  /** base · 2^(attempt-1), capped at 6 h, ±20 % jitter so failed mail does not retry in lockstep. */
  private backoffMs(attempt: number): number {
    const base = this.config.mail.retryBaseSeconds * 1000 * 2 ** (attempt - 1);
    return Math.round(Math.min(base, MAX_BACKOFF_MS) * (0.8 + Math.random() * 0.4));
  }
}
