import { DomainError } from '../../common/errors/domain-error';
import type { UserRole, UserStatus } from '../../common/grpc/enums';
import type { UserStatusName } from './user-admin.model';

/** core.v1.UserRole to the database role (API.md: admin / user / guest); UNSPECIFIED has none. */
export function roleFromProto(role: UserRole): string | null {
  switch (role) {
    case 'USER_ROLE_ADMIN': return 'admin';
    case 'USER_ROLE_USER': return 'user';
    case 'USER_ROLE_GUEST': return 'guest';
    default: return null;
  }
}

export function statusFromProto(status: UserStatus): UserStatusName | null {
  return status === 'USER_STATUS_UNSPECIFIED' ? null : (status.slice('USER_STATUS_'.length).toLowerCase() as UserStatusName);
}

export function requireRole(role: UserRole | undefined, field = 'role'): string {
  const name = role ? roleFromProto(role) : null;
  if (!name) throw DomainError.validation([{ field, description: 'must be USER_ROLE_ADMIN, USER_ROLE_USER or USER_ROLE_GUEST' }]);
  return name;
}

export function requireStatus(status: UserStatus | undefined, field = 'status'): UserStatusName {
  const name = status ? statusFromProto(status) : null;
  if (!name) throw DomainError.validation([{ field, description: 'must be a status other than USER_STATUS_UNSPECIFIED' }]);
  return name;
}
