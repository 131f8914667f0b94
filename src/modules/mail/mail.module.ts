import { Module } from '@nestjs/common';
import { LazyModuleLoader } from '@nestjs/core';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { MailOutbox } from './mail-outbox.service';
import { MailOutboxRepository } from './mail-outbox.repository';
import { MailTransport, SmtpMailTransport } from './mail-transport';
import { OutboxMetrics } from './outbox-metrics';
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
      inject: [APP_CONFIG, LazyModuleLoader],
      // No SMTP_URL: no transport, and MailerModule is never loaded; the worker logs (development) or holds the mail.
      useFactory: (config: AppConfig, lazyModules: LazyModuleLoader) => (config.mail.smtpUrl ? SmtpMailTransport.load(lazyModules, config.mail) : null),
    },
    MailOutbox,
    OutboxWorker,
    OutboxMetrics,
  ],
  exports: [MailOutbox],
})
export class MailModule {}
