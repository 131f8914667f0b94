import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { Public, PublicAcceptingCaller } from '../../common/auth/public.decorator';
import { JSON_WIRE } from '../../common/grpc/wire';
import { RequestOrigin } from '../../common/network/request-origin';
import { RateLimited } from '../../common/rate-limit/rate-limited.decorator';
import { deviceOf } from '../sessions/dto/device';
import { presentAuthResponse } from '../tokens/auth-response.presenter';
import { AuthResponseView } from '../tokens/dto/auth-responses.dto';
import { ExchangeOAuthCodeRequestDto, GetOAuthUrlRequestDto, LinkOAuthProviderRequestDto, UnlinkOAuthProviderRequestDto } from './dto/oauth-requests.dto';
import { GetOAuthUrlResponseView, ListLinkedProvidersResponseView } from './dto/oauth-responses.dto';
import { presentLinkedProviders, providerNameOf } from './oauth.presenter';
import { OAuthService } from './oauth.service';

/** The OAuth methods of auth.v1/v2 AuthService over REST (routes of the seed contract): translation only. */
@ApiTags('oauth')
@Controller(['v1/auth/oauth', 'v2/auth/oauth'])
export class OAuthHttpController {
  constructor(
    private readonly oauth: OAuthService,
    private readonly origin: RequestOrigin,
  ) {}

  @PublicAcceptingCaller()
  @RateLimited('oauth-url')
  @Post('url')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'GetOAuthUrl: start a sign-in (or, with an access token, a link) with a provider; answers the URL to send the user to and the state',
  })
  @ApiOkResponse({ type: GetOAuthUrlResponseView })
  async getOAuthUrl(@Body() req: GetOAuthUrlRequestDto, @CurrentPrincipal() p: Principal | undefined) {
    return this.oauth.startFlow(
      { provider: providerNameOf(req.provider), redirectUri: req.redirectUri, scopes: req.scopes ?? [], stateData: req.stateData ?? '' },
      p,
    );
  }

  @Public()
  @RateLimited('oauth-exchange')
  @Post('exchange')
  @HttpCode(200)
  @ApiOperation({ summary: 'ExchangeOAuthCode: sign in (or up) with the code and state from the provider\'s redirect' })
  @ApiOkResponse({ type: AuthResponseView })
  async exchangeOAuthCode(@Body() req: ExchangeOAuthCodeRequestDto, @Req() http: FastifyRequest) {
    const outcome = await this.oauth.exchange(req.code, req.state, deviceOf(req.installationId, req.clientInfo), this.origin.ofHttp(http));
    return presentAuthResponse(outcome, JSON_WIRE);
  }

  @Post('link')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'LinkOAuthProvider: link the provider account of a flow this user started to the signed-in account' })
  @ApiNoContentResponse()
  async linkOAuthProvider(@Body() req: LinkOAuthProviderRequestDto, @CurrentPrincipal() p: Principal): Promise<void> {
    await this.oauth.link(p, req.code, req.state);
  }

  @Delete('providers/:provider')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'UnlinkOAuthProvider: refused while it is the account\'s last way to sign in' })
  @ApiNoContentResponse()
  async unlinkOAuthProvider(@Param() req: UnlinkOAuthProviderRequestDto, @CurrentPrincipal() p: Principal): Promise<void> {
    await this.oauth.unlink(p.userId, providerNameOf(req.provider));
  }

  @Get('providers')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'ListLinkedProviders: the provider accounts linked to the signed-in account' })
  @ApiOkResponse({ type: ListLinkedProvidersResponseView })
  async listLinkedProviders(@CurrentPrincipal() p: Principal) {
    return presentLinkedProviders(await this.oauth.list(p.userId), JSON_WIRE);
  }
}
