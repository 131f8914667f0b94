import type { DeviceInfo } from '../session.model';
import type { ClientInfoDto } from './client-info.dto';

export function deviceOf(installationId: string, info: ClientInfoDto): DeviceInfo {
  return {
    deviceId: info.deviceId,
    installationId,
    deviceName: info.deviceName,
    deviceType: info.deviceType,
    clientVersion: info.clientVersion,
    metadata: info.metadata,
  };
}
