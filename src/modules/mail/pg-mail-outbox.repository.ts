import { Injectable } from '@nestjs/common';
import { Db } from '../../database/db';
import type { MailTemplate } from './mail.model';
import { MailOutboxRepository, type AbandonedMail, type ClaimedMail, type NewOutboxRow, type OutboxBacklog } from './mail-outbox.repository';

interface ClaimedRow {
  id: string;
  recipient: string;
  template: MailTemplate;
  locale: string;
  data: Record<string, unknown>;
  attempts: number;
}

@Injectable()
export class PgMailOutboxRepository extends MailOutboxRepository {
  constructor(private readonly db: Db) {
    super();
  }

  async insert(row: NewOutboxRow, now: Date): Promise<string> {
    const rows = await this.db.query<{ id: string }>(
      `INSERT INTO mail_outbox (recipient, template, locale, data, available_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $5, $5) RETURNING id`,
      [row.recipient, row.template, row.locale, JSON.stringify(row.data), now],
    );
    return rows[0].id;
  }

  async claimDue(now: Date, leaseId: string, leaseUntil: Date, limit: number, maxAttempts: number): Promise<ClaimedMail[]> {
    // One statement is the whole (short) claim transaction: SKIP LOCKED passes over
    // rows another replica is claiming right now, and the claimed rows leave with a
    // lease (available_at in the future), so no other replica sees them as due until
    // the lease runs out. A row updated by a concurrent claim after this statement's
    // snapshot is re-checked against the WHERE clause and dropped.
    const rows = await this.db.query<ClaimedRow>(
      `WITH due AS (
         SELECT id FROM mail_outbox
          WHERE status IN ('pending', 'sending') AND available_at <= $1 AND attempts < $5
          ORDER BY available_at, id
          LIMIT $4
          FOR UPDATE SKIP LOCKED
       )
       UPDATE mail_outbox m
          SET status = 'sending', attempts = m.attempts + 1, lease_id = $2, available_at = $3, updated_at = $1
         FROM due
        WHERE m.id = due.id
       RETURNING m.id, m.recipient, m.template, m.locale, m.data, m.attempts`,
      [now, leaseId, leaseUntil, limit, maxAttempts],
    );
    return rows.map((r) => ({ ...r, leaseId }));
  }

  async markSent(id: string, leaseId: string, now: Date): Promise<boolean> {
    // The data (links with tokens) is not needed any more: it leaves the table.
    const n = await this.db.execute(
      `UPDATE mail_outbox SET status = 'sent', sent_at = $3, updated_at = $3, lease_id = NULL, last_error = NULL, data = '{}'::jsonb
        WHERE id = $1 AND lease_id = $2 AND status = 'sending'`,
      [id, leaseId, now],
    );
    return n === 1;
  }

  async scheduleRetry(id: string, leaseId: string, at: Date, error: string, now: Date): Promise<boolean> {
    const n = await this.db.execute(
      `UPDATE mail_outbox SET status = 'pending', available_at = $3, last_error = left($4, 500), updated_at = $5, lease_id = NULL
        WHERE id = $1 AND lease_id = $2 AND status = 'sending'`,
      [id, leaseId, at, error, now],
    );
    return n === 1;
  }

  async markFailed(id: string, leaseId: string, error: string, now: Date): Promise<boolean> {
    const n = await this.db.execute(
      `UPDATE mail_outbox SET status = 'failed', last_error = left($3, 500), updated_at = $4, lease_id = NULL, data = '{}'::jsonb
        WHERE id = $1 AND lease_id = $2 AND status = 'sending'`,
      [id, leaseId, error, now],
    );
    return n === 1;
  }

  async failExhausted(now: Date, maxAttempts: number): Promise<AbandonedMail[]> {
    return this.db.query<AbandonedMail & Record<string, unknown>>(
      `UPDATE mail_outbox
          SET status = 'failed', updated_at = $1, lease_id = NULL, data = '{}'::jsonb,
              last_error = coalesce(last_error, 'the sender stopped during the last attempt')
        WHERE status IN ('pending', 'sending') AND available_at <= $1 AND attempts >= $2
       RETURNING id, template, attempts`,
      [now, maxAttempts],
    );
  }

  async backlog(): Promise<OutboxBacklog> {
    const [row] = await this.db.query<{ waiting: string; oldest: Date | null }>(
      `SELECT count(*) AS waiting, min(created_at) AS oldest FROM mail_outbox WHERE status IN ('pending', 'sending')`,
    );
    return { waiting: Number(row?.waiting ?? 0), oldestCreatedAt: row?.oldest ?? null };
  }
}
