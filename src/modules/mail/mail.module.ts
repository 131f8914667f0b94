import { Module } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { MailOutbox } from './mail-outbox.service';
import { MailOutboxRepository } from './mail-outbox.repository';
import { MailTransport, SmtpMailTransport } from './mail-transport';
import { OutboxWorker } from './outbox-worker.service';
import { PgMailOutboxRepository } from './pg-mail-outbox.repository';

/**
 * Mail through a transactional outbox: MailOutbox.enqueue() inside the caller's
 * transaction, OutboxWorker delivering in the background. Import this module and
 * inject MailOutbox to send a mail of one of the templates in mail.model.ts.
 */
@Module({
  providers: [
    { provide: MailOutboxRepository, useClass: PgMailOutboxRepository },
    {
      provide: MailTransport,
      inject: [APP_CONFIG],
      // No SMTP_URL: no transport; the worker logs (development) or holds the mail.
      useFactory: (config: AppConfig) => (config.mail.smtpUrl ? new SmtpMailTransport(config.mail) : null),
    },
    MailOutbox,
    OutboxWorker,
  ],
  exports: [MailOutbox],
})
export class MailModule {}
