import { Controller } from '@nestjs/common';
import { Ctx, GrpcMethod, Payload } from '@nestjs/microservices';
import type { Metadata, ServerUnaryCall } from '@grpc/grpc-js';
import { CurrentPrincipal } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { Public } from '../../common/auth/public.decorator';
import { GrpcCall } from '../../common/grpc/grpc-call.decorator';
import { GRPC_WIRE } from '../../common/grpc/wire';
import { RequestOrigin } from '../../common/network/request-origin';
import { RateLimited } from '../../common/rate-limit/rate-limited.decorator';
import { presentAuthResponse } from '../tokens/auth-response.presenter';
import { deviceOf } from '../sessions/dto/device';
import {
  EmptyRobloxRequestDto, LinkRobloxAccountRequestDto, SignInWithRobloxRequestDto, SignUpWithRobloxRequestDto, StartVerificationRequestDto,
} from './dto/roblox-requests.dto';
import { RobloxAccountsService } from './roblox-accounts.service';
import { RobloxProofService } from './roblox-proof.service';
import { presentRobloxIdentity, presentStartedVerification } from './roblox.presenter';

type Call = ServerUnaryCall<unknown, unknown>;

/** roblox.v1.RobloxService over gRPC: translation only. */
@Controller()
export class RobloxGrpcController {
  constructor(
    private readonly proofs: RobloxProofService,
    private readonly accounts: RobloxAccountsService,
    private readonly origin: RequestOrigin,
  ) {}

  @Public()
  @RateLimited('roblox-verification', { by: 'robloxUserId' })
  @GrpcMethod('RobloxService', 'StartVerification')
  async startVerification(@Payload() req: StartVerificationRequestDto) {
    return presentStartedVerification(await this.proofs.start(req.robloxUserId), GRPC_WIRE);
  }

  @Public()
  @RateLimited('sign-up')
  @GrpcMethod('RobloxService', 'SignUpWithRoblox')
  async signUp(@Payload() req: SignUpWithRobloxRequestDto, @Ctx() md: Metadata, @GrpcCall() call: Call) {
    const outcome = await this.accounts.signUp(req, deviceOf(req.installationId, req.clientInfo), this.origin.ofGrpc(call, md));
    return presentAuthResponse(outcome, GRPC_WIRE);
  }

  @Public()
  @RateLimited('sign-in')
  @GrpcMethod('RobloxService', 'SignInWithRoblox')
  async signIn(@Payload() req: SignInWithRobloxRequestDto, @Ctx() md: Metadata, @GrpcCall() call: Call) {
    const outcome = await this.accounts.signIn(req, deviceOf(req.installationId, req.clientInfo), this.origin.ofGrpc(call, md));
    return presentAuthResponse(outcome, GRPC_WIRE);
  }

  @GrpcMethod('RobloxService', 'LinkRobloxAccount')
  async link(@Payload() req: LinkRobloxAccountRequestDto, @CurrentPrincipal() p: Principal) {
    return { identity: presentRobloxIdentity(await this.accounts.link(p.userId, req.robloxUserId, req.verificationId), GRPC_WIRE) };
  }

  @GrpcMethod('RobloxService', 'UnlinkRobloxAccount')
  async unlink(@Payload() _: EmptyRobloxRequestDto, @CurrentPrincipal() p: Principal) {
    await this.accounts.unlink(p.userId);
    return {};
  }

  @GrpcMethod('RobloxService', 'GetRobloxIdentity')
  async getIdentity(@Payload() _: EmptyRobloxRequestDto, @CurrentPrincipal() p: Principal) {
    return { identity: presentRobloxIdentity(await this.accounts.getIdentity(p.userId), GRPC_WIRE) };
  }
}
