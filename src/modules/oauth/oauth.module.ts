import { Module } from '@nestjs/common';
import { ExpirySweeper } from '../../common/maintenance/expiry-sweeper';
import { AccountMailModule } from '../account-mail/account-mail.module';
import { AuthModule } from '../auth/auth.module';
import { TotpModule } from '../totp/totp.module';
import { UsersModule } from '../users/users.module';
import { OAuthAccountsRepository } from './oauth-accounts.repository';
import { OAuthFlowsRepository } from './oauth-flows.repository';
import { OAuthProviders } from './oauth-providers';
import { OAuthGrpcController } from './oauth.grpc.controller';
import { OAuthHttpController } from './oauth.http.controller';
import { OAuthService } from './oauth.service';
import { PgOAuthAccountsRepository } from './pg-oauth-accounts.repository';
import { PgOAuthFlowsRepository } from './pg-oauth-flows.repository';

/**
 * Social sign-in over OAuth 2.0 / OpenID Connect (openid-client): GetOAuthUrl,
 * ExchangeOAuthCode, LinkOAuthProvider, UnlinkOAuthProvider, ListLinkedProviders.
 * Ends sign-ins through the auth module's PasswordSignIn.complete (MFA, tokens, session);
 * new accounts go through UsersRepository; links need a recent sign-in (totp's RecentAuthentication).
 */
@Module({
  imports: [AuthModule, TotpModule, UsersModule, AccountMailModule],
  controllers: [OAuthGrpcController, OAuthHttpController],
  providers: [
    OAuthService,
    OAuthProviders,
    { provide: OAuthFlowsRepository, useClass: PgOAuthFlowsRepository },
    { provide: OAuthAccountsRepository, useClass: PgOAuthAccountsRepository },
  ],
})
export class OAuthModule {
  constructor(sweeper: ExpirySweeper, flows: OAuthFlowsRepository) {
    sweeper.register({ name: 'OAuth flows', sweep: (now, batch) => flows.deleteExpired(now, batch) });
  }
}
