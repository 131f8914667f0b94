import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import type { MailTemplate, OutgoingMail } from './mail.model';
import { MailOutboxRepository } from './mail-outbox.repository';
import { mailLocaleOf } from './templates/render';

/**
 * The one way to send mail: write it to the outbox. Call it inside the
 * `db.transaction` that makes the change the mail reports (the user row, the
 * token), so both commit or neither does; the OutboxWorker delivers it later,
 * with retries. Outside a transaction the row is committed on its own.
 *
 * ```ts
 * await db.transaction(async () => {
 *   await repo.disableMfa(userId);
 *   await outbox.enqueue({ to: user.email, template: 'mfa-disabled', locale: user.locale,
 *                          data: { displayName: user.displayName, disabledAt: now.toISOString() } });
 * });
 * ```
 */
@Injectable()
export class MailOutbox {
  constructor(
    private readonly repo: MailOutboxRepository,
    private readonly clock: Clock,
  ) {}

  /** Queues one mail; returns the outbox row id. */
  async enqueue<T extends MailTemplate>(mail: OutgoingMail<T>): Promise<string> {
    return this.repo.insert(
      { recipient: mail.to, template: mail.template, locale: mailLocaleOf(mail.locale), data: { ...mail.data } },
      this.clock.now(),
    );
  }
}
