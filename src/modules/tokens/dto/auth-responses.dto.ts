import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AUTH_STATUS, MFA_METHOD, USER_ROLE, USER_STATUS, OAUTH_PROVIDER } from '../../../common/grpc/enums';

/** Response shapes for the OpenAPI document (proto3 JSON of auth.v1 messages). */
export class TokenPairView {
  @ApiProperty() accessToken!: string;
  @ApiProperty() refreshToken!: string;
  @ApiProperty({ format: 'date-time', description: 'Expiry of the access token' }) expiresAt!: string;
}

export class UserSnapshotView {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty() email!: string;
  @ApiProperty() phone!: string;
  @ApiProperty({ enum: USER_ROLE }) role!: string;
  @ApiProperty({ enum: USER_STATUS }) status!: string;
  @ApiProperty() emailVerified!: boolean;
  @ApiProperty() phoneVerified!: boolean;
  @ApiProperty() mfaEnabled!: boolean;
  @ApiProperty({ enum: OAUTH_PROVIDER, isArray: true }) linkedProviders!: string[];
  @ApiProperty() avatarUrl!: string;
  @ApiProperty() hasPassword!: boolean;
  @ApiPropertyOptional({ description: 'Linked Roblox user id (int64 as a string); absent when none is linked' }) robloxUserId?: string;
  @ApiPropertyOptional({ description: 'Username of the linked Roblox user; absent when none is linked' }) robloxUsername?: string;
}

export class LockoutInfoView {
  @ApiProperty({ example: '900s' }) retryAfter!: string;
  @ApiProperty() failedAttempts!: number;
  @ApiProperty() maxAttempts!: number;
  @ApiProperty({ format: 'date-time' }) lockedUntil!: string;
}

export class MfaMethodInfoView {
  @ApiProperty({ enum: MFA_METHOD }) method!: string;
  @ApiProperty() hint!: string;
  @ApiProperty() isDefault!: boolean;
}

export class MfaChallengeView {
  @ApiProperty({ description: 'Single-use; answer it with VerifyMfa' }) challengeToken!: string;
  @ApiProperty({ type: MfaMethodInfoView, isArray: true }) availableMethods!: MfaMethodInfoView[];
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}

export class AuthResponseView {
  @ApiProperty({ enum: AUTH_STATUS }) status!: string;
  @ApiPropertyOptional({ type: TokenPairView }) tokens?: TokenPairView;
  @ApiPropertyOptional({ type: UserSnapshotView }) user?: UserSnapshotView;
  @ApiPropertyOptional({ type: MfaChallengeView }) mfaChallenge?: MfaChallengeView;
  @ApiPropertyOptional({ type: LockoutInfoView }) lockoutInfo?: LockoutInfoView;
  @ApiProperty() message!: string;
}

export class ValidateCredentialsResponseView {
  @ApiProperty() valid!: boolean;
  @ApiProperty({ type: UserSnapshotView }) user!: UserSnapshotView;
}

export class AccessTokenClaimsView {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({ format: 'uuid' }) sessionId!: string;
  @ApiProperty({ enum: USER_ROLE, description: 'The role when the token was signed' }) role!: string;
  @ApiProperty() deviceId!: string;
  @ApiProperty({ format: 'uuid' }) installationId!: string;
  @ApiProperty({ format: 'date-time' }) issuedAt!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}
