import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { Public } from '../../common/auth/public.decorator';
import { JSON_WIRE } from '../../common/grpc/wire';
import { RequestOrigin } from '../../common/network/request-origin';
import { RateLimited } from '../../common/rate-limit/rate-limited.decorator';
import { presentAuthResponse } from '../tokens/auth-response.presenter';
import { AuthResponseView } from '../tokens/dto/auth-responses.dto';
import { ConfirmMfaSetupRequestDto, DisableMfaRequestDto, SetupMfaRequestDto, VerifyMfaRequestDto } from './dto/totp-requests.dto';
import { ConfirmMfaSetupResponseView, GetMfaStatusResponseView, SetupMfaResponseView } from './dto/totp-responses.dto';
import { MfaVerificationService } from './mfa-verification.service';
import { presentConfirmSetup, presentSetup, presentStatus } from './totp.presenter';
import { TotpService } from './totp.service';

/** The MFA methods of auth.v1/v2 AuthService over REST (routes of the seed contract): translation only. */
@ApiTags('mfa')
@Controller(['v1/auth/mfa', 'v2/auth/mfa'])
export class TotpHttpController {
  constructor(
    private readonly totp: TotpService,
    private readonly verification: MfaVerificationService,
    private readonly origin: RequestOrigin,
  ) {}

  @Public()
  @RateLimited('mfa-verify')
  @Post('verify')
  @HttpCode(200)
  @ApiOperation({ summary: 'VerifyMfa: answer the MFA challenge of a sign-in with a TOTP or recovery code' })
  @ApiOkResponse({ type: AuthResponseView })
  async verifyMfa(@Body() req: VerifyMfaRequestDto, @Req() http: FastifyRequest) {
    return presentAuthResponse(await this.verification.verify(req, this.origin.ofHttp(http)), JSON_WIRE);
  }

  @Get('status')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'GetMfaStatus: the caller\'s second factors and remaining recovery codes' })
  @ApiOkResponse({ type: GetMfaStatusResponseView })
  async getMfaStatus(@CurrentPrincipal() p: Principal) {
    return presentStatus(await this.totp.status(p), JSON_WIRE);
  }

  @Post('setup')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'SetupMfa: a new TOTP secret, its provisioning URI and QR code, and a setup token; needs a recent sign-in or the password' })
  @ApiOkResponse({ type: SetupMfaResponseView })
  async setupMfa(@Body() req: SetupMfaRequestDto, @CurrentPrincipal() p: Principal) {
    return presentSetup(await this.totp.setup(p, req.method, req.password), JSON_WIRE);
  }

  @Post('setup/confirm')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'ConfirmMfaSetup: a correct code enables TOTP and answers the recovery codes' })
  @ApiOkResponse({ type: ConfirmMfaSetupResponseView })
  async confirmMfaSetup(@Body() req: ConfirmMfaSetupRequestDto, @CurrentPrincipal() p: Principal) {
    return presentConfirmSetup(await this.totp.confirmSetup(p, req.setupToken, req.code));
  }

  @Post('disable')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'DisableMfa: needs the password and a current TOTP or recovery code; removes TOTP and recovery codes, ends other sessions' })
  @ApiNoContentResponse()
  async disableMfa(@Body() req: DisableMfaRequestDto, @CurrentPrincipal() p: Principal): Promise<void> {
    await this.totp.disable(p, req.method, req.password, req.code);
  }
}
