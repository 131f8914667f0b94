import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../../../common/auth/public.decorator';
import { TokenService } from './token.service';

/** Publishes the public keys access tokens are signed with, for services that verify them offline. */
@ApiExcludeController()
@Controller('.well-known')
export class JwksHttpController {
  constructor(private readonly tokens: TokenService) {}

  /** Current and retired public keys; an empty set with HS256. Cached 5 minutes: keys change only on redeploy. */
  @Public()
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  jwks(): { keys: object[] } {
    return this.tokens.jwks();
  }
}
