import { OptionalString, RequiredString } from '../../../common/validation/fields';

export class ListSessionsRequestDto {
  @OptionalString(512, 'The caller\'s refresh token, to mark its session as current')
  refreshToken?: string;
}

export class RevokeSessionRequestDto {
  @RequiredString(128)
  deviceId!: string;
}
