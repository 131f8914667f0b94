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
import { EmptyRequestDto } from '../../common/validation/empty-request.dto';
import { ConfirmMfaSetupRequestDto, DisableMfaRequestDto, SetupMfaRequestDto, VerifyMfaRequestDto } from './dto/totp-requests.dto';
import { MfaVerificationService } from './mfa-verification.service';
import { presentConfirmSetup, presentSetup, presentStatus } from './totp.presenter';
import { TotpService } from './totp.service';

type Call = ServerUnaryCall<unknown, unknown>;

/** The MFA methods of auth.v1/v2 AuthService over gRPC: translation only. */
@Controller()
export class TotpGrpcController {
  constructor(
    private readonly totp: TotpService,
    private readonly verification: MfaVerificationService,
    private readonly origin: RequestOrigin,
  ) {}

  @Public()
  @RateLimited('mfa-verify')
  @GrpcMethod('AuthService', 'VerifyMfa')
  async verifyMfa(@Payload() req: VerifyMfaRequestDto, @Ctx() md: Metadata, @GrpcCall() call: Call) {
    return presentAuthResponse(await this.verification.verify(req, this.origin.ofGrpc(call, md)), GRPC_WIRE);
  }

  @GrpcMethod('AuthService', 'GetMfaStatus')
  async getMfaStatus(@Payload() _: EmptyRequestDto, @CurrentPrincipal() p: Principal) {
    return presentStatus(await this.totp.status(p), GRPC_WIRE);
  }

  @GrpcMethod('AuthService', 'SetupMfa')
  async setupMfa(@Payload() req: SetupMfaRequestDto, @CurrentPrincipal() p: Principal) {
    return presentSetup(await this.totp.setup(p, req.method, req.password), GRPC_WIRE);
  }

  @GrpcMethod('AuthService', 'ConfirmMfaSetup')
  async confirmMfaSetup(@Payload() req: ConfirmMfaSetupRequestDto, @CurrentPrincipal() p: Principal) {
    return presentConfirmSetup(await this.totp.confirmSetup(p, req.setupToken, req.code));
  }

  @GrpcMethod('AuthService', 'DisableMfa')
  async disableMfa(@Payload() req: DisableMfaRequestDto, @CurrentPrincipal() p: Principal) {
    await this.totp.disable(p, req.method, req.password, req.code);
    return {};
  }
}
