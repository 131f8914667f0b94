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
    ...presentRobloxLink(user),
  };
}

/** The optional roblox_user_id / roblox_username of User, UserInfo and UserSnapshot: present only when linked. */
export function presentRobloxLink(user: UserRecord): { robloxUserId?: string; robloxUsername?: string } {
  return user.robloxUserId ? { robloxUserId: user.robloxUserId, robloxUsername: user.robloxUsername ?? '' } : {};
}

/** users.v1.User: UserInfo's fields plus verification, MFA, password and timestamps. */
export function presentUser(user: UserRecord, wire: Wire): Record<string, unknown> {
  return {
    ...presentUserInfo(user, wire),
    emailVerified: user.emailVerified,
    phoneVerified: user.phoneVerified,
    mfaEnabled: user.mfaEnabled,
    hasPassword: user.passwordHash !== null,
    createdAt: wire.time(user.createdAt),
    updatedAt: wire.time(user.updatedAt),
  };
}
