import { ExpirySweeper } from '../../common/maintenance/expiry-sweeper';
import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module';
import { AccountMailService } from './account-mail.service';
import { AccountMails } from './account-mails';
import { OutboxAccountMails } from './outbox-account-mails';
import { PgRecoveryTokensRepository } from './pg-recovery-tokens.repository';
import { RecoveryTokensRepository } from './recovery-tokens.repository';

/**
 * Account mails and their tokens (password_reset_tokens, email_verification_tokens),
 * without the use cases: sign-up and ChangePassword (AuthModule), recovery
 * (RecoveryModule), user administration and the CLI (AccountMails) all queue them here.
 */
@Module({
  imports: [MailModule],
  providers: [
    AccountMailService,
    { provide: RecoveryTokensRepository, useClass: PgRecoveryTokensRepository },
    { provide: AccountMails, useClass: OutboxAccountMails },
  ],
  exports: [AccountMailService, RecoveryTokensRepository, AccountMails],
})
export class AccountMailModule {
  constructor(sweeper: ExpirySweeper, tokens: RecoveryTokensRepository) {
    // Kept a week past expiry, so an old link still answers "expired" rather than "invalid".
    sweeper.register({ name: 'email and reset tokens', sweep: (now, batch) => tokens.deleteExpired(new Date(now.getTime() - 7 * 86_400_000), batch) });
  }
}
