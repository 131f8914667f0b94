import { ApiProperty } from '@nestjs/swagger';
import { OAUTH_PROVIDER } from '../../../common/grpc/enums';

/** Response shapes for the OpenAPI document (proto3 JSON of auth.v1 messages). */
export class GetOAuthUrlResponseView {
  @ApiProperty({ description: 'Send the user here (browser or system web view)' }) authorizationUrl!: string;
  @ApiProperty({ description: 'The flow\'s state (256 random bits, base64url): the provider sends it back with the code; pass both on' }) state!: string;
}

export class LinkedProviderView {
  @ApiProperty({ enum: OAUTH_PROVIDER }) provider!: string;
  @ApiProperty({ description: 'The provider\'s user id (ID token `sub`, GitHub/Facebook user id)' }) providerUserId!: string;
  @ApiProperty({ description: 'The address the provider gave when linked; empty when none' }) email!: string;
  @ApiProperty({ format: 'date-time' }) linkedAt!: string;
}

export class ListLinkedProvidersResponseView {
  @ApiProperty({ type: [LinkedProviderView] }) providers!: LinkedProviderView[];
}
