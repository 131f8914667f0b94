import { USER_STATUS, type UserRole, type UserStatus } from './enums.generated';

/** The proto enums (value names in wire-number order), generated from proto/ by scripts/gen-enums.mjs. */
export * from './enums.generated';

/** Database role names and statuses as proto enum names (API.md: admin/user/guest). */
export function roleToProto(role: string): UserRole {
  switch (role) {
    case 'admin': return 'USER_ROLE_ADMIN';
    case 'user': return 'USER_ROLE_USER';
    case 'guest': return 'USER_ROLE_GUEST';
    default: return 'USER_ROLE_UNSPECIFIED';
  }
}

export function statusToProto(status: string): UserStatus {
  const name = `USER_STATUS_${status.toUpperCase()}`;
  return (USER_STATUS as readonly string[]).includes(name) ? (name as UserStatus) : 'USER_STATUS_UNSPECIFIED';
}
