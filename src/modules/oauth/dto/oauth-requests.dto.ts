import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsOptional, Matches, MaxLength, NotEquals } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { OAUTH_PROVIDER } from '../../../common/grpc/enums';
import { NestedMessage, OptionalString, ProtoEnum, RequiredString, UuidField } from '../../../common/validation/fields';
import { ClientInfoDto } from '../../sessions/dto/client-info.dto';

const PROVIDER_RULES = 'OAUTH_PROVIDER_GOOGLE, _GITHUB, _MICROSOFT, _APPLE, _FACEBOOK or _OIDC (the generic OpenID provider of OAUTH_OIDC_ISSUER); must be configured on the server';

/** A provider: its enum name or number, never UNSPECIFIED. */
function ProviderField(): PropertyDecorator {
  return (target, key) => {
    ProtoEnum(OAUTH_PROVIDER, { required: true, description: PROVIDER_RULES })(target, key);
    NotEquals('OAUTH_PROVIDER_UNSPECIFIED', { message: '$property must name a provider' })(target, key);
  };
}

export class GetOAuthUrlRequestDto {
  @ProviderField()
  provider!: string;

  @RequiredString(2048, 'Where the provider sends the user back; must be exactly one of the server\'s OAUTH_REDIRECT_URIS')
  redirectUri!: string;

  @ApiPropertyOptional({ type: [String], maxItems: 20, description: 'Scopes to ask for; empty: the provider\'s defaults (openid email profile, or the GitHub/Facebook equivalents)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @MaxLength(100, { each: true })
  // RFC 6749 scope-token characters.
  @Matches(/^[\x21\x23-\x5B\x5D-\x7E]+$/, { each: true, message: 'each scope must be a non-empty OAuth scope token (printable ASCII, no space, quote or backslash)' })
  scopes?: string[];

  @OptionalString(2048, 'Opaque data of the client, kept with the flow (not sent to the provider)')
  stateData?: string;
}

export class ExchangeOAuthCodeRequestDto {
  @RequiredString(2048, 'The code from the provider\'s redirect')
  code!: string;

  @RequiredString(256, 'The state GetOAuthUrl answered (the provider sends it back unchanged)')
  state!: string;

  @UuidField({ required: true, description: 'The app installation signing in' })
  installationId!: string;

  @NestedMessage(() => ClientInfoDto, { required: true })
  clientInfo!: ClientInfoDto;
}

export class LinkOAuthProviderRequestDto {
  @RequiredString(2048, 'The code from the provider\'s redirect')
  code!: string;

  @RequiredString(256, 'The state of a flow this user started (GetOAuthUrl called with its access token)')
  state!: string;
}

export class UnlinkOAuthProviderRequestDto {
  // A path segment is text: a number ("1") is accepted like on JSON bodies.
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value) ? (OAUTH_PROVIDER[Number(value)] ?? value) : value))
  @ProviderField()
  provider!: string;
}

/** ListLinkedProviders has no fields. */
export class ListLinkedProvidersRequestDto {}
