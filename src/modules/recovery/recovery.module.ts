import { Module } from '@nestjs/common';
import { CredentialsModule } from '../credentials/credentials.module';
import { SessionsModule } from '../sessions/sessions.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { AccountMailModule } from '../account-mail/account-mail.module';
import { BackgroundTasks } from './background-tasks';
import { EmailVerificationService } from './email-verification.service';
import { PasswordRecoveryService } from './password-recovery.service';
import { RecoveryGrpcController } from './recovery.grpc.controller';
import { RecoveryHttpController } from './recovery.http.controller';
import { VerifyEmailHttpController } from './verify-email.http.controller';

/** Email verification and password recovery: RequestVerification, ConfirmVerification, RecoveryStart, RecoveryConfirm, the link route. */
@Module({
  imports: [AccountMailModule, CredentialsModule, TokensModule, SessionsModule, UsersModule],
  controllers: [RecoveryGrpcController, RecoveryHttpController, VerifyEmailHttpController],
  providers: [EmailVerificationService, PasswordRecoveryService, BackgroundTasks],
  exports: [EmailVerificationService, PasswordRecoveryService],
})
export class RecoveryModule {}
