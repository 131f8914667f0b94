import { roleToProto, statusToProto } from '../../common/grpc/enums';
import type { Wire } from '../../common/grpc/wire';
import type { UserRecord } from './user.model';

/** users.v1.UserInfo */
export function presentUserInfo(user: UserRecord, wire: Wire): Record<string, unknown> {
  return {
    id: wire.uuid(user.id),
    name: user.displayName,
    email: user.email ?? '',
    phone: user.phone ?? '',
    role: roleToProto(user.role),
    status: statusToProto(user.status),
    avatarUrl: user.avatarUrl ?? '',
    locale: user.locale,
    timezone: user.timezone,
  };
}

/** users.v1.User */
export function presentUser(user: UserRecord, wire: Wire): Record<string, unknown> {
  return {
    id: wire.uuid(user.id),
    name: user.displayName,
    email: user.email ?? '',
    phone: user.phone ?? '',
    role: roleToProto(user.role),
    status: statusToProto(user.status),
    emailVerified: user.emailVerified,
    phoneVerified: user.phoneVerified,
    mfaEnabled: user.mfaEnabled,
    hasPassword: user.passwordHash !== null,
    avatarUrl: user.avatarUrl ?? '',
    locale: user.locale,
    timezone: user.timezone,
    createdAt: wire.time(user.createdAt),
    updatedAt: wire.time(user.updatedAt),
  };
}
