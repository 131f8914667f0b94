import type { Wire } from '../../common/grpc/wire';
import type { SessionRecord } from './session.model';

/** auth.v1.SessionInfo */
export function presentSession(s: SessionRecord, isCurrent: boolean, wire: Wire): Record<string, unknown> {
  return {
    deviceId: s.deviceId,
    deviceName: s.deviceName,
    deviceType: s.deviceType,
    clientVersion: s.clientVersion,
    ipAddress: s.ipAddress,
    ipCountry: s.ipCountry,
    createdAt: wire.time(s.createdAt),
    lastSeenAt: wire.time(s.lastSeenAt),
    expiresAt: wire.time(s.expiresAt),
    isCurrent,
    ipCreatedBy: s.ipCreatedBy,
    activityCount: s.activityCount,
    metadata: s.metadata,
  };
}
