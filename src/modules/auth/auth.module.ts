import { Module } from '@nestjs/common';
import { AccessTokenVerifier, LiveSessionLookup } from '../../common/auth/auth-ports';
import { JwtAuthGuard } from '../../common/auth/jwt-auth.guard';
import { SessionsModule } from '../sessions/sessions.module';
import { SessionsService } from '../sessions/sessions.service';
import { MfaChallengeModule } from '../totp/mfa-challenge.module';
import { AccountMailModule } from '../recovery/account-mail.module';
import { UsersModule } from '../users/users.module';
import { AuthGrpcController } from './auth.grpc.controller';
import { AuthHttpController } from './auth.http.controller';
import { AuthService } from './auth.service';
import { LoginAttemptsRepository } from './login-attempts.repository';
import { PasswordHasher } from './password-hasher';
import { PasswordPolicy } from './password-policy';
import { PasswordSignIn } from './password-sign-in.service';
import { PgLoginAttemptsRepository } from './pg-login-attempts.repository';
import { TokenIssuer } from './token-issuer.service';
import { UserLockout } from './user-lockout';
import { JwksHttpController } from './tokens/jwks.http.controller';
import { TokenService } from './tokens/token.service';

@Module({
  imports: [UsersModule, SessionsModule, MfaChallengeModule, AccountMailModule],
  controllers: [AuthGrpcController, AuthHttpController, JwksHttpController],
  providers: [
    AuthService,
    PasswordSignIn,
    PasswordHasher,
    PasswordPolicy,
    TokenService,
    TokenIssuer,
    UserLockout,
    { provide: LoginAttemptsRepository, useClass: PgLoginAttemptsRepository },
    { provide: AccessTokenVerifier, useExisting: TokenIssuer },
    { provide: LiveSessionLookup, useExisting: SessionsService },
    JwtAuthGuard,
  ],
  exports: [JwtAuthGuard, AuthService, PasswordSignIn, PasswordHasher, PasswordPolicy, TokenIssuer, UserLockout],
})
export class AuthModule {}
