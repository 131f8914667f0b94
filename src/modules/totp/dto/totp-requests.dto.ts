import { MFA_METHOD, type MfaMethod } from '../../../common/grpc/enums';
import { NestedMessage, OptionalString, ProtoEnum, RequiredString } from '../../../common/validation/fields';
import { ClientInfoDto } from '../../sessions/dto/client-info.dto';

export class SetupMfaRequestDto {
  @ProtoEnum(MFA_METHOD, { description: 'MFA_METHOD_TOTP (UNSPECIFIED means TOTP); SMS and EMAIL are not available' })
  method?: MfaMethod;

  @OptionalString(320, 'Phone or email for SMS / EMAIL (not used by TOTP)')
  identifier?: string;

  @OptionalString(1024, 'The current password: needed when the session signed in more than REAUTH_MAX_AGE_MINUTES ago; checked whenever given')
  password?: string;
}

export class ConfirmMfaSetupRequestDto {
  @RequiredString(512, 'The setup token SetupMfa answered')
  setupToken!: string;

  @RequiredString(64, 'The current 6-digit code of the authenticator app')
  code!: string;
}

export class VerifyMfaRequestDto {
  @RequiredString(512, 'The challenge token of the MFA_REQUIRED answer')
  challengeToken!: string;

  @ProtoEnum(MFA_METHOD, { description: 'MFA_METHOD_TOTP (the default) or MFA_METHOD_RECOVERY_CODE' })
  method?: MfaMethod;

  @RequiredString(64, 'A 6-digit TOTP code or a recovery code')
  code!: string;

  @NestedMessage(() => ClientInfoDto)
  clientInfo?: ClientInfoDto;
}

export class DisableMfaRequestDto {
  @ProtoEnum(MFA_METHOD, { description: 'MFA_METHOD_TOTP (UNSPECIFIED means TOTP)' })
  method?: MfaMethod;

  @RequiredString(1024, 'The current password')
  password!: string;

  @RequiredString(64, 'A current 6-digit TOTP code, or an unused recovery code (spent by this call)')
  code!: string;
}
