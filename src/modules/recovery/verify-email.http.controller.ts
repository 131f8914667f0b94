import { Body, Controller, Get, Inject, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../../common/auth/public.decorator';
import { RateLimited } from '../../common/rate-limit/rate-limited.decorator';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { PASSWORD_INPUT_MAX } from '../credentials/password-policy';
import { appLink } from '../mail/mail-links';
import { EmailVerificationService, type VerificationLinkResult } from './email-verification.service';
import { NO_STORE_NO_REFERRER, verifyEmailPage, verifyEmailPageHeaders } from './verify-email-page';

/** Tokens are 43 characters; anything much longer is not one of ours. */
const TOKEN_MAX = 512;

const PAGE_RESPONSE = {
  description: 'The confirmation page: HTML whose button posts the token back; opening it changes nothing',
  content: { 'text/html': { schema: { type: 'string' as const } } },
};
const NO_TOKEN_RESPONSE = { status: 302, description: 'Without a usable token: Location {APP_URL}/email-verified?status=error&code=invalid_token' };
const FORM_BODY = {
  schema: {
    type: 'object' as const,
    required: ['token'],
    properties: {
      token: { type: 'string' as const, maxLength: TOKEN_MAX, description: 'The token of the verification link' },
      password: {
        type: 'string' as const,
        maxLength: PASSWORD_INPUT_MAX,
        description: 'Optional. The password the pending account was signed up with: kept only if it matches; otherwise a pending account is activated without a password',
      },
    },
  },
};
const RESULT_RESPONSE = {
  status: 302,
  description: 'Location {APP_URL}/email-verified?status=success, or ?status=error&code=invalid_token|expired_token|account_suspended',
};

/**
 * The link in verification mails, for browsers. Mail security scanners fetch
 * every link, so GET only shows a confirmation page; its button POSTs the token,
 * which verifies without signing in and redirects to the front end's result page
 * (expired and invalid links are told apart).
 */
@ApiTags('auth')
@Controller()
export class VerifyEmailHttpController {
  constructor(
    private readonly verification: EmailVerificationService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Public()
  @Get('v1/verify-email')
  @ApiOperation({ summary: 'The page of an email verification link: changes nothing; its button posts the token' })
  @ApiQuery({ name: 'token', required: true })
  @ApiOkResponse(PAGE_RESPONSE)
  @ApiResponse(NO_TOKEN_RESPONSE)
  page(@Query('token') token: unknown, @Res() reply: FastifyReply): void {
    this.sendPage(reply, token, false);
  }

  @Public()
  @Get('verify-email')
  @ApiOperation({ summary: 'Deprecated alias of GET /v1/verify-email (Deprecation: true)', deprecated: true })
  @ApiQuery({ name: 'token', required: true })
  @ApiOkResponse(PAGE_RESPONSE)
  @ApiResponse(NO_TOKEN_RESPONSE)
  pageDeprecated(@Query('token') token: unknown, @Res() reply: FastifyReply): void {
    this.sendPage(reply, token, true);
  }

  @Public()
  @RateLimited('verification-confirm')
  @Post('v1/verify-email')
  @ApiOperation({ summary: 'Verify an email address (the button of the link page); 302 to {APP_URL}/email-verified?status=...' })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody(FORM_BODY)
  @ApiResponse(RESULT_RESPONSE)
  async confirm(@Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    await this.confirmAndRedirect(reply, body, false);
  }

  @Public()
  @RateLimited('verification-confirm')
  @Post('verify-email')
  @ApiOperation({ summary: 'Deprecated alias of POST /v1/verify-email (Deprecation: true)', deprecated: true })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody(FORM_BODY)
  @ApiResponse(RESULT_RESPONSE)
  async confirmDeprecated(@Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    await this.confirmAndRedirect(reply, body, true);
  }

  private sendPage(reply: FastifyReply, rawToken: unknown, deprecated: boolean): void {
    const token = singleString(rawToken, TOKEN_MAX);
    if (!token) return this.redirect(reply, 'invalid_token', deprecated);
    void reply
      .status(200)
      .headers({ ...verifyEmailPageHeaders(this.config.mail.appUrl), ...(deprecated ? { deprecation: 'true' } : {}) })
      .type('text/html; charset=utf-8')
      .send(verifyEmailPage(token));
  }

  private async confirmAndRedirect(reply: FastifyReply, body: unknown, deprecated: boolean): Promise<void> {
    // The parsed form (or JSON) body; a repeated or oversized field counts as absent.
    const fields = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
    const result = await this.verification.confirmLink(singleString(fields.token, TOKEN_MAX), singleString(fields.password, PASSWORD_INPUT_MAX));
    this.redirect(reply, result, deprecated);
  }

  private redirect(reply: FastifyReply, result: VerificationLinkResult, deprecated: boolean): void {
    const params: Record<string, string> = result === 'success' ? { status: 'success' } : { status: 'error', code: result };
    void reply
      .status(302)
      .headers({ ...NO_STORE_NO_REFERRER, ...(deprecated ? { deprecation: 'true' } : {}) })
      .header('location', appLink(this.config.mail.appUrl, 'email-verified', params))
      .send();
  }
}

/** A single non-empty string of at most `max` characters; anything else (repeated, nested, too long) is undefined. */
function singleString(value: unknown, max: number): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= max ? value : undefined;
}
