import type { MailTemplate } from './mail.model';

export interface NewOutboxRow {
  readonly recipient: string;
  readonly template: MailTemplate;
  readonly locale: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** A row a worker holds a lease on. */
export interface ClaimedMail {
  readonly id: string;
  readonly recipient: string;
  readonly template: MailTemplate;
  readonly locale: string;
  readonly data: Record<string, unknown>;
  /** Including the one in progress. */
  readonly attempts: number;
  readonly leaseId: string;
}

export interface AbandonedMail {
  readonly id: string;
  readonly template: string;
  readonly attempts: number;
}

/** Mails not yet delivered or given up on. */
export interface OutboxBacklog {
  readonly waiting: number;
  readonly oldestCreatedAt: Date | null;
}

/** The mail_outbox table; PgMailOutboxRepository is the only implementation with SQL. */
export abstract class MailOutboxRepository {
  /** Joins the caller's transaction (Db), so the mail commits or rolls back with the change that caused it. */
  abstract insert(row: NewOutboxRow, now: Date): Promise<string>;
  /**
   * Claims up to `limit` due rows for `leaseId` until `leaseUntil`, skipping rows
   * another worker has locked, and counts the attempt.
   */
  abstract claimDue(now: Date, leaseId: string, leaseUntil: Date, limit: number, maxAttempts: number): Promise<ClaimedMail[]>;
  /** The outcome calls only apply while the lease is still ours; false when it was lost. */
  abstract markSent(id: string, leaseId: string, now: Date): Promise<boolean>;
  abstract scheduleRetry(id: string, leaseId: string, at: Date, error: string, now: Date): Promise<boolean>;
  abstract markFailed(id: string, leaseId: string, error: string, now: Date): Promise<boolean>;
  /** Rows whose attempts are used up and whose last lease ran out (the sender died): failed. */
  abstract failExhausted(now: Date, maxAttempts: number): Promise<AbandonedMail[]>;
  /** How many mails wait (pending or being sent) and since when the oldest, for metrics. */
  abstract backlog(): Promise<OutboxBacklog>;
}
