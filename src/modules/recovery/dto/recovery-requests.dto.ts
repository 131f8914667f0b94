import { IDENTIFIER_TYPE, VERIFICATION_TYPE, type IdentifierType, type VerificationType } from '../../../common/grpc/enums';
import { NestedMessage, OptionalString, ProtoEnum, RequiredString, UuidField } from '../../../common/validation/fields';
import { ClientInfoDto } from '../../sessions/dto/client-info.dto';
import { PASSWORD_INPUT_MAX, PASSWORD_RULES } from '../../credentials/password-policy';

/** Tokens are 43 characters; anything much longer is not one of ours. */
const TOKEN_MAX = 512;

export class RecoveryStartRequestDto {
  @RequiredString(320, 'Email address of the account; a phone number is accepted and nothing is sent')
  identifier!: string;

  @ProtoEnum(IDENTIFIER_TYPE, { description: 'UNSPECIFIED auto-detects: a leading + means phone' })
  identifierType?: IdentifierType;

  @OptionalString(128, 'Accepted for compatibility; RecoveryStart is safe to repeat')
  idempotencyKey?: string;
}

export class RecoveryConfirmRequestDto {
  @RequiredString(TOKEN_MAX, 'The token of the reset link')
  token!: string;

  @RequiredString(PASSWORD_INPUT_MAX, PASSWORD_RULES)
  newPassword!: string;
}

export class RequestVerificationRequestDto {
  @ProtoEnum(VERIFICATION_TYPE, { description: 'EMAIL (UNSPECIFIED means EMAIL); PHONE answers UNIMPLEMENTED' })
  type?: VerificationType;
}

export class ConfirmVerificationRequestDto {
  @RequiredString(TOKEN_MAX, 'The token of the verification link')
  token!: string;

  @ProtoEnum(VERIFICATION_TYPE, { description: 'EMAIL (UNSPECIFIED means EMAIL); PHONE answers UNIMPLEMENTED' })
  type?: VerificationType;

  @UuidField({ required: true, description: 'The app installation to sign in on' })
  installationId!: string;

  @NestedMessage(() => ClientInfoDto, { required: true })
  clientInfo!: ClientInfoDto;
}
