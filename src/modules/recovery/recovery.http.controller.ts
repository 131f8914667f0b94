import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { Public } from '../../common/auth/public.decorator';
import { JSON_WIRE } from '../../common/grpc/wire';
import { RequestOrigin } from '../../common/network/request-origin';
import { RateLimited } from '../../common/rate-limit/rate-limited.decorator';
import { AuthResponseView } from '../tokens/dto/auth-responses.dto';
import { deviceOf } from '../sessions/dto/device';
import {
  ConfirmVerificationRequestDto, RecoveryConfirmRequestDto, RecoveryStartRequestDto, RequestVerificationRequestDto,
} from './dto/recovery-requests.dto';
import { EmailVerificationService } from './email-verification.service';
import { PasswordRecoveryService } from './password-recovery.service';
import { presentVerification } from './recovery.presenter';

/** Email verification and password recovery of auth.v1/v2 AuthService over REST (routes of the seed contract). */
@ApiTags('auth')
@Controller(['v1/auth', 'v2/auth'])
export class RecoveryHttpController {
  constructor(
    private readonly verification: EmailVerificationService,
    private readonly recovery: PasswordRecoveryService,
    private readonly origin: RequestOrigin,
  ) {}

  @Public()
  @RateLimited('recovery-start', { by: 'identifier' })
  @Post('recovery/start')
  @HttpCode(204)
  @ApiOperation({ summary: 'RecoveryStart: mail a password reset link; answers at once whether or not the account exists' })
  @ApiNoContentResponse()
  async recoveryStart(@Body() req: RecoveryStartRequestDto): Promise<void> {
    this.recovery.start(req.identifier, req.identifierType);
  }

  @Public()
  @RateLimited('recovery-confirm')
  @Post('recovery/confirm')
  @HttpCode(204)
  @ApiOperation({ summary: 'RecoveryConfirm: set a new password with a reset token; ends every session' })
  @ApiNoContentResponse()
  async recoveryConfirm(@Body() req: RecoveryConfirmRequestDto): Promise<void> {
    await this.recovery.confirm(req.token, req.newPassword);
  }

  @Post('verification/request')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'RequestVerification: mail a new verification link to the signed-in user' })
  @ApiNoContentResponse()
  async requestVerification(@Body() req: RequestVerificationRequestDto, @CurrentPrincipal() p: Principal): Promise<void> {
    await this.verification.request(p, req.type);
  }

  @Public()
  @RateLimited('verification-confirm')
  @Post('verification/confirm')
  @HttpCode(200)
  @ApiOperation({ summary: 'ConfirmVerification: verify the email address with a link token and sign in' })
  @ApiOkResponse({ type: AuthResponseView })
  async confirmVerification(@Body() req: ConfirmVerificationRequestDto, @Req() http: FastifyRequest) {
    const outcome = await this.verification.confirm(req.token, req.type, deviceOf(req.installationId, req.clientInfo), this.origin.ofHttp(http));
    return presentVerification(outcome, JSON_WIRE);
  }
}
