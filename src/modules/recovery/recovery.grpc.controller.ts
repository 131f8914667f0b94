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
import { deviceOf } from '../sessions/dto/device';
import {
  ConfirmVerificationRequestDto, RecoveryConfirmRequestDto, RecoveryStartRequestDto, RequestVerificationRequestDto,
} from './dto/recovery-requests.dto';
import { EmailVerificationService } from './email-verification.service';
import { PasswordRecoveryService } from './password-recovery.service';
import { presentVerification } from './recovery.presenter';

type Call = ServerUnaryCall<unknown, unknown>;

/** Email verification and password recovery of auth.v1/v2 AuthService over gRPC: translation only. */
@Controller()
export class RecoveryGrpcController {
  constructor(
    private readonly verification: EmailVerificationService,
    private readonly recovery: PasswordRecoveryService,
    private readonly origin: RequestOrigin,
  ) {}

  @Public()
  @RateLimited('recovery-start', { by: 'identifier' })
  @GrpcMethod('AuthService', 'RecoveryStart')
  async recoveryStart(@Payload() req: RecoveryStartRequestDto) {
    this.recovery.start(req.identifier, req.identifierType);
    return {};
  }

  @Public()
  @RateLimited('recovery-confirm')
  @GrpcMethod('AuthService', 'RecoveryConfirm')
  async recoveryConfirm(@Payload() req: RecoveryConfirmRequestDto) {
    await this.recovery.confirm(req.token, req.newPassword);
    return {};
  }

  @GrpcMethod('AuthService', 'RequestVerification')
  async requestVerification(@Payload() req: RequestVerificationRequestDto, @CurrentPrincipal() p: Principal) {
    await this.verification.request(p, req.type);
    return {};
  }

  @Public()
  @RateLimited('verification-confirm')
  @GrpcMethod('AuthService', 'ConfirmVerification')
  async confirmVerification(@Payload() req: ConfirmVerificationRequestDto, @Ctx() md: Metadata, @GrpcCall() call: Call) {
    const outcome = await this.verification.confirm(req.token, req.type, deviceOf(req.installationId, req.clientInfo), this.origin.ofGrpc(call, md));
    return presentVerification(outcome, GRPC_WIRE);
  }
}
