import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, ReadOnly } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { Public } from '../../common/auth/public.decorator';
import { RateLimited } from '../../common/rate-limit/rate-limited.decorator';
import { JSON_WIRE } from '../../common/grpc/wire';
import { RequestOrigin } from '../../common/network/request-origin';
import { SessionsService } from '../sessions/sessions.service';
import { AuthService } from './auth.service';
import { presentAccessTokenClaims, presentAuthResponse, presentTokenPair, presentUserSnapshot } from '../tokens/auth-response.presenter';
import { TokenIssuer } from '../tokens/token-issuer';
import { AuthenticateRequestDto, ChangePasswordRequestDto, RefreshTokensRequestDto, SignUpRequestDto } from './dto/auth-requests.dto';
import { AccessTokenClaimsView, AuthResponseView, TokenPairView, ValidateCredentialsResponseView } from '../tokens/dto/auth-responses.dto';
import { deviceOf } from '../sessions/dto/device';

/** auth.v1/v2 AuthService over REST (routes of the seed contract): translation only. */
@ApiTags('auth')
@Controller(['v1/auth', 'v2/auth'])
export class AuthHttpController {
  constructor(
    private readonly auth: AuthService,
    private readonly issuer: TokenIssuer,
    private readonly sessions: SessionsService,
    private readonly origin: RequestOrigin,
  ) {}

  @Public()
  @RateLimited('sign-up')
  @Post('signup')
  @HttpCode(200)
  @ApiOperation({ summary: 'SignUp: create an account and sign in' })
  @ApiOkResponse({ type: AuthResponseView })
  async signUp(@Body() req: SignUpRequestDto, @Req() http: FastifyRequest) {
    const outcome = await this.auth.signUp(req, deviceOf(req.installationId, req.clientInfo), this.origin.ofHttp(http));
    return presentAuthResponse(outcome, JSON_WIRE);
  }

  @Public()
  @RateLimited('sign-in')
  @Post('authenticate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Authenticate: sign in with an email or phone and a password' })
  @ApiOkResponse({ type: AuthResponseView })
  async authenticate(@Body() req: AuthenticateRequestDto, @Req() http: FastifyRequest) {
    const outcome = await this.auth.authenticate(req, deviceOf(req.installationId, req.clientInfo), this.origin.ofHttp(http));
    return presentAuthResponse(outcome, JSON_WIRE);
  }

  @Public()
  @RateLimited('refresh')
  @Post('token/refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'RefreshTokens: rotate a refresh token (no access token needed)' })
  @ApiOkResponse({ type: TokenPairView })
  async refreshTokens(@Body() req: RefreshTokensRequestDto, @Req() http: FastifyRequest) {
    return presentTokenPair(await this.issuer.refresh(req.refreshToken, this.origin.ofHttp(http)), JSON_WIRE);
  }

  @ReadOnly()
  @Get('credentials')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'ValidateCredentials: check the access token and its session' })
  @ApiOkResponse({ type: ValidateCredentialsResponseView })
  async validateCredentials(@CurrentPrincipal() p: Principal) {
    return { valid: true, user: presentUserSnapshot(await this.auth.validateSession(p), JSON_WIRE) };
  }

  /** Trusts the token alone (@ReadOnly, no permissions): no database read, by design. */
  @ReadOnly()
  @Get('token/claims')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'GetAccessTokenClaims: the access token\'s claims, checked by signature and expiry alone',
    description: 'Reads no database: the token of a revoked session answers here until it expires. Use ValidateCredentials to check the session.',
  })
  @ApiOkResponse({ type: AccessTokenClaimsView })
  getAccessTokenClaims(@CurrentPrincipal() p: Principal) {
    return presentAccessTokenClaims(p, JSON_WIRE);
  }

  @Post('signout')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'SignOut: end the caller\'s session' })
  @ApiNoContentResponse()
  async signOut(@CurrentPrincipal() p: Principal): Promise<void> {
    await this.sessions.end(p.userId, p.sessionId);
  }

  @Post('password/change')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'ChangePassword: needs the current password; ends every other session' })
  @ApiNoContentResponse()
  async changePassword(@Body() req: ChangePasswordRequestDto, @CurrentPrincipal() p: Principal): Promise<void> {
    await this.auth.changePassword(p, req.currentPassword, req.newPassword);
  }
}
