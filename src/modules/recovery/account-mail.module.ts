import { ExpirySweeper } from '../../common/maintenance/expiry-sweeper';
import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module';
import { AccountMailService } from './account-mail.service';
import { PgRecoveryTokensRepository } from './pg-recovery-tokens.repository';
import { RecoveryTokensRepository } from './recovery-tokens.repository';

/**
 * Account mails and their tokens, without the use cases: AuthModule (sign-up,
 * ChangePassword) and the administration module import this one, while
 * RecoveryModule (which needs AuthModule) builds the public methods on it.
 */
@Module({
  imports: [MailModule],
  providers: [AccountMailService, { provide: RecoveryTokensRepository, useClass: PgRecoveryTokensRepository }],
  exports: [AccountMailService, RecoveryTokensRepository],
})
export class AccountMailModule {
  constructor(sweeper: ExpirySweeper, tokens: RecoveryTokensRepository) {
    // Kept a week past expiry, so an old link still answers "expired" rather than "invalid".
    sweeper.register({ name: 'email and reset tokens', sweep: (now, batch) => tokens.deleteExpired(new Date(now.getTime() - 7 * 86_400_000), batch) });
  }
}
