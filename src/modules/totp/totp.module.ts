import { ExpirySweeper } from '../../common/maintenance/expiry-sweeper';
import { Module } from '@nestjs/common';
import { CredentialsModule } from '../credentials/credentials.module';
import { MailModule } from '../mail/mail.module';
import { SessionsModule } from '../sessions/sessions.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { MfaChallengeService } from './mfa-challenge.service';
import { MfaCodes } from './mfa-codes';
import { MailMfaNotices, MfaNotices } from './mfa-notices';
import { MfaVerificationService } from './mfa-verification.service';
import { RecentAuthentication } from './recent-authentication';
import { RecoveryCodeHasher } from './recovery-code-hasher';
import { SecretCipher } from './secret-cipher';
import { TotpGrpcController } from './totp.grpc.controller';
import { TotpHttpController } from './totp.http.controller';
import { PgTotpRepository } from './pg-totp.repository';
import { TotpRepository } from './totp.repository';
import { TotpService } from './totp.service';

/**
 * TOTP two-factor authentication: SetupMfa, ConfirmMfaSetup, VerifyMfa,
 * GetMfaStatus, DisableMfa, and the challenge step of sign-in (MfaChallengeService,
 * exported to AuthModule, which imports this module one way: totp never imports auth;
 * RecentAuthentication, exported to OAuthModule for LinkOAuthProvider).
 */
@Module({
  imports: [CredentialsModule, TokensModule, SessionsModule, UsersModule, MailModule],
  controllers: [TotpGrpcController, TotpHttpController],
  providers: [
    { provide: TotpRepository, useClass: PgTotpRepository },
    MfaChallengeService,
    TotpService,
    MfaVerificationService,
    MfaCodes,
    RecoveryCodeHasher,
    RecentAuthentication,
    SecretCipher,
    { provide: MfaNotices, useClass: MailMfaNotices },
  ],
  exports: [MfaChallengeService, RecentAuthentication],
})
export class TotpModule {
  constructor(sweeper: ExpirySweeper, totp: TotpRepository) {
    sweeper.register({ name: 'MFA setup tokens and challenges', sweep: (now, batch) => totp.deleteExpired(new Date(now.getTime() - 86_400_000), batch) });
  }
}
