import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { MailModule } from '../mail/mail.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { MfaChallengeModule } from './mfa-challenge.module';
import { MfaCodes } from './mfa-codes';
import { MailMfaNotices, MfaNotices } from './mfa-notices';
import { MfaVerificationService } from './mfa-verification.service';
import { RecentAuthentication } from './recent-authentication';
import { RecoveryCodeHasher } from './recovery-code-hasher';
import { SecretCipher } from './secret-cipher';
import { TotpGrpcController } from './totp.grpc.controller';
import { TotpHttpController } from './totp.http.controller';
import { TotpService } from './totp.service';

/**
 * TOTP two-factor authentication: SetupMfa, ConfirmMfaSetup, VerifyMfa,
 * GetMfaStatus, DisableMfa. The challenge step of sign-in lives in
 * MfaChallengeModule (imported by AuthModule).
 */
@Module({
  imports: [AuthModule, SessionsModule, UsersModule, MailModule, MfaChallengeModule],
  controllers: [TotpGrpcController, TotpHttpController],
  providers: [
    TotpService,
    MfaVerificationService,
    MfaCodes,
    RecoveryCodeHasher,
    RecentAuthentication,
    SecretCipher,
    { provide: MfaNotices, useClass: MailMfaNotices },
  ],
})
export class TotpModule {}
