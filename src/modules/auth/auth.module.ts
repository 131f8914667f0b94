import { Module } from '@nestjs/common';
import { AccountMailModule } from '../account-mail/account-mail.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { SessionsModule } from '../sessions/sessions.module';
import { TokensModule } from '../tokens/tokens.module';
import { TotpModule } from '../totp/totp.module';
import { UsersModule } from '../users/users.module';
import { AuthGrpcController } from './auth.grpc.controller';
import { AuthHttpController } from './auth.http.controller';
import { AuthService } from './auth.service';
import { PasswordSignIn } from './password-sign-in';

/**
 * Sign-up, password sign-in, ValidateCredentials, ChangePassword, refresh and sign-out.
 * Imports TotpModule one way (its challenge step ends a sign-in); PasswordSignIn is
 * exported for SignInWithRoblox.
 */
@Module({
  imports: [UsersModule, CredentialsModule, SessionsModule, TokensModule, TotpModule, AccountMailModule],
  controllers: [AuthGrpcController, AuthHttpController],
  providers: [AuthService, PasswordSignIn],
  exports: [PasswordSignIn],
})
export class AuthModule {}
