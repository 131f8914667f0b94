import { Controller } from '@nestjs/common';
import { Ctx, GrpcMethod, Payload } from '@nestjs/microservices';
import type { Metadata, ServerUnaryCall } from '@grpc/grpc-js';
import { CurrentPrincipal, ReadOnly } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { Public } from '../../common/auth/public.decorator';
import { RateLimited } from '../../common/rate-limit/rate-limited.decorator';
import { GrpcCall } from '../../common/grpc/grpc-call.decorator';
import { GRPC_WIRE } from '../../common/grpc/wire';
import { RequestOrigin } from '../../common/network/request-origin';
import { SessionsService } from '../sessions/sessions.service';
import { AuthService } from './auth.service';
import { presentAccessTokenClaims, presentAuthResponse, presentTokenPair, presentUserSnapshot } from '../tokens/auth-response.presenter';
import { TokenIssuer } from '../tokens/token-issuer';
import { AuthenticateRequestDto, ChangePasswordRequestDto, RefreshTokensRequestDto, SignUpRequestDto } from './dto/auth-requests.dto';
import { EmptyRequestDto } from '../../common/validation/empty-request.dto';
import { deviceOf } from '../sessions/dto/device';

type Call = ServerUnaryCall<unknown, unknown>;

/** auth.v1/v2 AuthService over gRPC: translation only. */
@Controller()
export class AuthGrpcController {
  constructor(
    private readonly auth: AuthService,
    private readonly issuer: TokenIssuer,
    private readonly sessions: SessionsService,
    private readonly origin: RequestOrigin,
  ) {}

  @Public()
  @RateLimited('sign-up')
  @GrpcMethod('AuthService', 'SignUp')
  async signUp(@Payload() req: SignUpRequestDto, @Ctx() md: Metadata, @GrpcCall() call: Call) {
    const outcome = await this.auth.signUp(req, deviceOf(req.installationId, req.clientInfo), this.origin.ofGrpc(call, md));
    return presentAuthResponse(outcome, GRPC_WIRE);
  }

  @Public()
  @RateLimited('sign-in')
  @GrpcMethod('AuthService', 'Authenticate')
  async authenticate(@Payload() req: AuthenticateRequestDto, @Ctx() md: Metadata, @GrpcCall() call: Call) {
    const outcome = await this.auth.authenticate(req, deviceOf(req.installationId, req.clientInfo), this.origin.ofGrpc(call, md));
    return presentAuthResponse(outcome, GRPC_WIRE);
  }

  @Public()
  @RateLimited('refresh')
  @GrpcMethod('AuthService', 'RefreshTokens')
  async refreshTokens(@Payload() req: RefreshTokensRequestDto, @Ctx() md: Metadata, @GrpcCall() call: Call) {
    return presentTokenPair(await this.issuer.refresh(req.refreshToken, this.origin.ofGrpc(call, md)), GRPC_WIRE);
  }

  @ReadOnly()
  @GrpcMethod('AuthService', 'ValidateCredentials')
  async validateCredentials(@Payload() _: EmptyRequestDto, @CurrentPrincipal() p: Principal) {
    return { valid: true, user: presentUserSnapshot(await this.auth.validateSession(p), GRPC_WIRE) };
  }

  /** Trusts the token alone (@ReadOnly, no permissions): no database read, by design. */
  @ReadOnly()
  @GrpcMethod('AuthService', 'GetAccessTokenClaims')
  getAccessTokenClaims(@Payload() _: EmptyRequestDto, @CurrentPrincipal() p: Principal) {
    return presentAccessTokenClaims(p, GRPC_WIRE);
  }

  @GrpcMethod('AuthService', 'SignOut')
  async signOut(@Payload() _: EmptyRequestDto, @CurrentPrincipal() p: Principal) {
    await this.sessions.end(p.userId, p.sessionId);
    return {};
  }

  @GrpcMethod('AuthService', 'ChangePassword')
  async changePassword(@Payload() req: ChangePasswordRequestDto, @CurrentPrincipal() p: Principal) {
    await this.auth.changePassword(p, req.currentPassword, req.newPassword);
    return {};
  }
}
