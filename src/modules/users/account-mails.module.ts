import { Module } from '@nestjs/common';
import { AccountMailModule } from '../recovery/account-mail.module';
import { AccountMails } from './account-mails';
import { OutboxAccountMails } from './outbox-account-mails';

/**
 * Where AccountMails comes from, for the server and the CLI alike: the email
 * capability's account mails (verification and recovery tokens, mail outbox).
 * LoggingAccountMails is the stand-in for a build without it.
 */
@Module({
  imports: [AccountMailModule],
  providers: [{ provide: AccountMails, useClass: OutboxAccountMails }],
  exports: [AccountMails],
})
export class AccountMailsModule {}
