import { Matches } from 'class-validator';
import { NestedMessage, OptionalString, UuidField } from '../../../common/validation/fields';
import { ClientInfoDto } from '../../sessions/dto/client-info.dto';
import { RobloxUserIdField } from './roblox-user-id.field';
import { VerificationIdField } from './verification-id.field';
import { PASSWORD_INPUT_MAX, PASSWORD_RULES } from '../../credentials/password-policy';

export class StartVerificationRequestDto {
  @RobloxUserIdField({ required: true })
  robloxUserId!: string;
}

export class SignUpWithRobloxRequestDto {
  @RobloxUserIdField({ required: true })
  robloxUserId!: string;

  @VerificationIdField('the proof')
  verificationId?: string;

  @OptionalString(PASSWORD_INPUT_MAX, `Optional; ${PASSWORD_RULES}`)
  password?: string;

  @OptionalString(100, 'Defaults to the Roblox display name')
  @Matches(/^\P{Cc}*$/u, { message: '$property must be a single line without control characters' })
  displayName?: string;

  @UuidField({ required: true, description: 'The app installation signing up' })
  installationId!: string;

  @NestedMessage(() => ClientInfoDto, { required: true })
  clientInfo!: ClientInfoDto;
}

export class SignInWithRobloxRequestDto {
  @RobloxUserIdField({ required: true })
  robloxUserId!: string;

  @VerificationIdField('needed without a password (ignored with one); the proof')
  verificationId?: string;

  @OptionalString(PASSWORD_INPUT_MAX, 'Without it, the Roblox profile must show the live verification code of verificationId')
  password?: string;

  @UuidField({ required: true, description: 'The app installation signing in' })
  installationId!: string;

  @NestedMessage(() => ClientInfoDto, { required: true })
  clientInfo!: ClientInfoDto;
}

export class LinkRobloxAccountRequestDto {
  @RobloxUserIdField({ required: true })
  robloxUserId!: string;

  @VerificationIdField('the proof')
  verificationId?: string;
}

/** UnlinkRobloxAccount and GetRobloxIdentity have no fields. */
export class EmptyRobloxRequestDto {}
