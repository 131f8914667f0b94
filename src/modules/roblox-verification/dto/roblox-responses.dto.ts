import { ApiProperty } from '@nestjs/swagger';

/** Response shapes for the OpenAPI document (proto3 JSON of roblox.v1 messages). */
export class StartVerificationResponseView {
  @ApiProperty({ example: 'orbit velvet candle harbor sunny meadow', description: 'Six words to paste into the Roblox profile\'s About text' })
  code!: string;

  @ApiProperty({ format: 'date-time', description: 'The code works until then, once' })
  expiresAt!: string;

  @ApiProperty()
  instructions!: string;

  @ApiProperty({
    example: 'bXlfdmVyaWZpY2F0aW9uX2lkX2lzX3JhbmRvbV8zMmI',
    description:
      'A secret handle of this verification (256 random bits, base64url), answered only to this caller: send it as verificationId ' +
      'with SignUpWithRoblox, SignInWithRoblox or LinkRobloxAccount; the code in the profile counts for nobody else. Keep it like a password until used.',
  })
  verificationId!: string;
}

export class RobloxIdentityView {
  @ApiProperty({ example: '1234567890', description: 'int64 as a string' }) robloxUserId!: string;
  @ApiProperty({ description: 'The Roblox username as of the last proof' }) username!: string;
  @ApiProperty({ format: 'date-time' }) linkedAt!: string;
}

export class RobloxIdentityResponseView {
  @ApiProperty({ type: RobloxIdentityView }) identity!: RobloxIdentityView;
}
