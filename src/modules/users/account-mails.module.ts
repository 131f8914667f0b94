import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module';
import { AccountMailModule } from '../recovery/account-mail.module';
import { AccountMails } from './account-mails';
import { OutboxAccountMails } from './outbox-account-mails';

/**
 * Where AccountMails comes from, for the server and the CLI alike: the email
 * capability's account mails (verification and recovery tokens, mail outbox).
 * MailModule directly too: the email-changed notice is queued here, not in recovery.
 * LoggingAccountMails is the stand-in for a build without it.
 */
@Module({
  imports: [AccountMailModule, MailModule],
  providers: [{ provide: AccountMails, useClass: OutboxAccountMails }],
  exports: [AccountMails],
})
export class AccountMailsModule {}
