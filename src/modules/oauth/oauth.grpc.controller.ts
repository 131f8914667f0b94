import { Controller } from '@nestjs/common';
import { Ctx, GrpcMethod, Payload } from '@nestjs/microservices';
import type { Metadata, ServerUnaryCall } from '@grpc/grpc-js';
import { CurrentPrincipal } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { Public, PublicAcceptingCaller } from '../../common/auth/public.decorator';
import { GrpcCall } from '../../common/grpc/grpc-call.decorator';
import { GRPC_WIRE } from '../../common/grpc/wire';
import { RequestOrigin } from '../../common/network/request-origin';
import { RateLimited } from '../../common/rate-limit/rate-limited.decorator';
import { deviceOf } from '../sessions/dto/device';
import { presentAuthResponse } from '../tokens/auth-response.presenter';
import {
  ExchangeOAuthCodeRequestDto, GetOAuthUrlRequestDto, LinkOAuthProviderRequestDto, ListLinkedProvidersRequestDto, UnlinkOAuthProviderRequestDto,
} from './dto/oauth-requests.dto';
import { presentLinkedProviders, providerNameOf } from './oauth.presenter';
import { OAuthService } from './oauth.service';

type Call = ServerUnaryCall<unknown, unknown>;

/** The OAuth methods of auth.v1/v2 AuthService over gRPC: translation only. */
@Controller()
export class OAuthGrpcController {
  constructor(
    private readonly oauth: OAuthService,
    private readonly origin: RequestOrigin,
  ) {}

  @PublicAcceptingCaller()
  @RateLimited('oauth-url')
  @GrpcMethod('AuthService', 'GetOAuthUrl')
  async getOAuthUrl(@Payload() req: GetOAuthUrlRequestDto, @CurrentPrincipal() p: Principal | undefined) {
    return this.oauth.startFlow(
      { provider: providerNameOf(req.provider), redirectUri: req.redirectUri, scopes: req.scopes ?? [], stateData: req.stateData ?? '' },
      p,
    );
  }

  @Public()
  @RateLimited('oauth-exchange')
  @GrpcMethod('AuthService', 'ExchangeOAuthCode')
  async exchangeOAuthCode(@Payload() req: ExchangeOAuthCodeRequestDto, @Ctx() md: Metadata, @GrpcCall() call: Call) {
    const outcome = await this.oauth.exchange(req.code, req.state, deviceOf(req.installationId, req.clientInfo), this.origin.ofGrpc(call, md));
    return presentAuthResponse(outcome, GRPC_WIRE);
  }

  @GrpcMethod('AuthService', 'LinkOAuthProvider')
  async linkOAuthProvider(@Payload() req: LinkOAuthProviderRequestDto, @CurrentPrincipal() p: Principal) {
    await this.oauth.link(p, req.code, req.state);
    return {};
  }

  @GrpcMethod('AuthService', 'UnlinkOAuthProvider')
  async unlinkOAuthProvider(@Payload() req: UnlinkOAuthProviderRequestDto, @CurrentPrincipal() p: Principal) {
    await this.oauth.unlink(p.userId, providerNameOf(req.provider));
    return {};
  }

  @GrpcMethod('AuthService', 'ListLinkedProviders')
  async listLinkedProviders(@Payload() _: ListLinkedProvidersRequestDto, @CurrentPrincipal() p: Principal) {
    return presentLinkedProviders(await this.oauth.list(p.userId), GRPC_WIRE);
  }
}
