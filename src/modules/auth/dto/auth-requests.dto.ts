import { IDENTIFIER_TYPE, type IdentifierType } from '../../../common/grpc/enums';
import {
  LocaleField, NestedMessage, OptionalString, ProtoEnum, RequiredString, TimeZoneField, UuidField,
} from '../../../common/validation/fields';
import { ClientInfoDto } from '../../sessions/dto/client-info.dto';
import { PASSWORD_INPUT_MAX, PASSWORD_RULES } from '../../credentials/password-policy';

export class AuthenticateRequestDto {
  @RequiredString(320, 'Email address or E.164 phone number')
  identifier!: string;

  @ProtoEnum(IDENTIFIER_TYPE, { description: 'UNSPECIFIED auto-detects: a leading + means phone' })
  identifierType?: IdentifierType;

  @RequiredString(PASSWORD_INPUT_MAX)
  password!: string;

  @UuidField({ required: true, description: 'The app installation signing in' })
  installationId!: string;

  @NestedMessage(() => ClientInfoDto, { required: true })
  clientInfo!: ClientInfoDto;
}

export class SignUpRequestDto {
  @RequiredString(320, 'Email address or E.164 phone number')
  identifier!: string;

  @ProtoEnum(IDENTIFIER_TYPE)
  identifierType?: IdentifierType;

  @RequiredString(PASSWORD_INPUT_MAX, PASSWORD_RULES)
  password!: string;

  @OptionalString(100)
  displayName?: string;

  @UuidField({ required: true })
  installationId!: string;

  @NestedMessage(() => ClientInfoDto, { required: true })
  clientInfo!: ClientInfoDto;

  @LocaleField()
  locale?: string;

  @TimeZoneField()
  timezone?: string;

  @OptionalString(128)
  idempotencyKey?: string;
}

export class RefreshTokensRequestDto {
  @RequiredString(512)
  refreshToken!: string;
}

export class ChangePasswordRequestDto {
  @RequiredString(PASSWORD_INPUT_MAX)
  currentPassword!: string;

  @RequiredString(PASSWORD_INPUT_MAX, PASSWORD_RULES)
  newPassword!: string;
}
