import { Body, Controller, Delete, Get, HttpCode, Post, Req } from '@nestjs/common';
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
import { deviceOf } from '../sessions/dto/device';
import {
  LinkRobloxAccountRequestDto, SignInWithRobloxRequestDto, SignUpWithRobloxRequestDto, StartVerificationRequestDto,
} from './dto/roblox-requests.dto';
import { RobloxIdentityResponseView, StartVerificationResponseView } from './dto/roblox-responses.dto';
import { RobloxAccountsService } from './roblox-accounts.service';
import { RobloxProofService } from './roblox-proof.service';
import { presentRobloxIdentity, presentStartedVerification } from './roblox.presenter';

/** roblox.v1.RobloxService over REST: translation only. */
@ApiTags('roblox')
@Controller('v1/roblox')
export class RobloxHttpController {
  constructor(
    private readonly proofs: RobloxProofService,
    private readonly accounts: RobloxAccountsService,
    private readonly origin: RequestOrigin,
  ) {}

  @Public()
  @RateLimited('roblox-verification', { by: 'robloxUserId' })
  @Post('verifications')
  @HttpCode(200)
  @ApiOperation({ summary: 'StartVerification: a code to paste into the Roblox profile\'s About text (rate-limited per IP and per Roblox user)' })
  @ApiOkResponse({ type: StartVerificationResponseView })
  async startVerification(@Body() req: StartVerificationRequestDto) {
    return presentStartedVerification(await this.proofs.start(req.robloxUserId), JSON_WIRE);
  }

  @Public()
  @RateLimited('sign-up')
  @Post('signup')
  @HttpCode(200)
  @ApiOperation({ summary: 'SignUpWithRoblox: create an account from a proven Roblox identity and sign in' })
  @ApiOkResponse({ type: AuthResponseView })
  async signUp(@Body() req: SignUpWithRobloxRequestDto, @Req() http: FastifyRequest) {
    const outcome = await this.accounts.signUp(req, deviceOf(req.installationId, req.clientInfo), this.origin.ofHttp(http));
    return presentAuthResponse(outcome, JSON_WIRE);
  }

  @Public()
  @RateLimited('sign-in')
  @Post('signin')
  @HttpCode(200)
  @ApiOperation({ summary: 'SignInWithRoblox: with the password, or without it by the profile-code proof' })
  @ApiOkResponse({ type: AuthResponseView })
  async signIn(@Body() req: SignInWithRobloxRequestDto, @Req() http: FastifyRequest) {
    const outcome = await this.accounts.signIn(req, deviceOf(req.installationId, req.clientInfo), this.origin.ofHttp(http));
    return presentAuthResponse(outcome, JSON_WIRE);
  }

  @Post('link')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'LinkRobloxAccount: link a proven Roblox identity to the signed-in account' })
  @ApiOkResponse({ type: RobloxIdentityResponseView })
  async link(@Body() req: LinkRobloxAccountRequestDto, @CurrentPrincipal() p: Principal) {
    return { identity: presentRobloxIdentity(await this.accounts.link(p.userId, req.robloxUserId, req.verificationId), JSON_WIRE) };
  }

  @Delete('link')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'UnlinkRobloxAccount: refused when the account has neither a password nor an email address' })
  @ApiNoContentResponse()
  async unlink(@CurrentPrincipal() p: Principal): Promise<void> {
    await this.accounts.unlink(p.userId);
  }

  @Get('identity')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'GetRobloxIdentity: the Roblox identity linked to the signed-in account' })
  @ApiOkResponse({ type: RobloxIdentityResponseView })
  async getIdentity(@CurrentPrincipal() p: Principal) {
    return { identity: presentRobloxIdentity(await this.accounts.getIdentity(p.userId), JSON_WIRE) };
  }
}
