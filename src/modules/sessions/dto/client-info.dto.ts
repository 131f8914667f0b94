import { OptionalString, RequiredString, StringMap } from '../../../common/validation/fields';

/** auth.v1.ClientInfo: the device a session belongs to. */
export class ClientInfoDto {
  @RequiredString(128, 'Stable id of the device; one session per user and device')
  deviceId!: string;

  @OptionalString(128)
  deviceName?: string;

  @OptionalString(64)
  deviceType?: string;

  @OptionalString(64)
  clientVersion?: string;

  @StringMap(20, 64, 256)
  metadata?: Record<string, string>;
}
