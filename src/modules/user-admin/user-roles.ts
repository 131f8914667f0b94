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

/**
 * Permissions that act only on their holder's own account (its profile): every
 * signed-up account has them, and handing them out gives no power over anyone
 * else, so they never stop a grant. `profile:*` is not among them: a wildcard
 * also covers actions added later.
 */
const SELF_SCOPED_PERMISSIONS: ReadonlySet<string> = new Set(['profile:read', 'profile:write']);

/**
 * Whether `granted` covers `permission` with the wildcards of hasPermission: `*`
 * covers everything, `resource:*` every `resource:action`. Stricter than
 * hasPermission where that one is lenient: `*` itself is covered only by `*`
 * (never by a key such as `*:*`), and a key without an action only by itself or `*`.
 */
export function coversPermission(granted: Readonly<Record<string, boolean>>, permission: string): boolean {
  if (granted['*'] === true || granted[permission] === true) return true;
  if (permission === '*') return false;
  const colon = permission.indexOf(':');
  return colon > 0 && granted[`${permission.slice(0, colon)}:*`] === true;
}

/**
 * The permissions of a role that `actor` does not hold: a role may be handed out
 * (or its holders managed) only when this is empty, so no one can give a role,
 * or take over an account, that can do more than they can.
 */
export function permissionsBeyond(actor: Readonly<Record<string, boolean>>, role: Readonly<Record<string, boolean>>): string[] {
  return Object.entries(role)
    .filter(([name, on]) => on === true && !SELF_SCOPED_PERMISSIONS.has(name) && !coversPermission(actor, name))
    .map(([name]) => name);
}
