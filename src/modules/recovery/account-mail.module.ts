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
export class AccountMailModule {}
