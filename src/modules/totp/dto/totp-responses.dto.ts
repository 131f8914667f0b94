import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MFA_METHOD } from '../../../common/grpc/enums';

/** Response shapes for the OpenAPI document (proto3 JSON of the auth.v1 MFA messages). */
export class SetupMfaResponseView {
  @ApiProperty({ description: 'Base32 TOTP secret, for manual entry' }) secret!: string;
  @ApiProperty({ example: 'otpauth://totp/auth-service:ada%40example.com?secret=...&issuer=auth-service' }) provisioningUri!: string;
  @ApiProperty({ description: 'Empty for TOTP' }) maskedDestination!: string;
  @ApiProperty({ description: 'Single-use; confirm with ConfirmMfaSetup before expiresAt' }) setupToken!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ description: 'The provisioning URI as an SVG QR code' }) qrCodeSvg!: string;
}

export class MfaSetupSuccessView {
  @ApiProperty({ type: String, isArray: true, description: 'Shown only this once' }) recoveryCodes!: string[];
}

export class MfaSetupErrorView {
  @ApiProperty() message!: string;
  @ApiProperty({ enum: ['INVALID_CODE', 'TOO_MANY_ATTEMPTS'] }) code!: string;
}

export class ConfirmMfaSetupResponseView {
  @ApiPropertyOptional({ type: MfaSetupSuccessView, description: 'Set when the code was right (oneof result)' }) success?: MfaSetupSuccessView;
  @ApiPropertyOptional({ type: MfaSetupErrorView, description: 'Set when the code was wrong (oneof result)' }) error?: MfaSetupErrorView;
}

export class MfaMethodStatusView {
  @ApiProperty({ enum: MFA_METHOD }) method!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty() hint!: string;
  @ApiProperty({ format: 'date-time' }) configuredAt!: string;
}

export class GetMfaStatusResponseView {
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: MfaMethodStatusView, isArray: true }) methods!: MfaMethodStatusView[];
  @ApiProperty() recoveryCodesRemaining!: number;
}
