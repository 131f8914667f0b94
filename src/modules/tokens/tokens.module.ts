import { Module } from '@nestjs/common';
import { AccessTokenVerifier, LiveSessionLookup } from '../../common/auth/auth-ports';
import { JwtAuthGuard } from '../../common/auth/jwt-auth.guard';
import { JwksHttpController } from './jwt/jwks.http.controller';
import { TokenService } from './jwt/token.service';
import { SessionsModule } from '../sessions/sessions.module';
import { SessionsService } from '../sessions/sessions.service';
import { TokenIssuer } from './token-issuer';

/**
 * Access tokens over sessions: signing and verifying JWTs, the JWKS route, TokenIssuer
 * (a session plus its access token, for every flow that ends signed in) and the guard
 * that checks them on both transports.
 */
@Module({
  imports: [SessionsModule],
  controllers: [JwksHttpController],
  providers: [
    TokenService,
    TokenIssuer,
    { provide: AccessTokenVerifier, useExisting: TokenIssuer },
    { provide: LiveSessionLookup, useExisting: SessionsService },
    JwtAuthGuard,
  ],
  exports: [TokenIssuer, JwtAuthGuard],
})
export class TokensModule {}
