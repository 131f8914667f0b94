import { Injectable } from '@nestjs/common';
import { hasPermission } from '../../common/auth/permissions';
import type { Principal } from '../../common/auth/principal';
import { DomainError } from '../../common/errors/domain-error';
import { UserAdminRepository } from './user-admin.repository';
import { permissionsBeyond } from './user-roles';

/** The permissions of the administration API (keys of a role's JSONB permissions). */
export const USERS_READ = 'users:read';
export const USERS_WRITE = 'users:write';
export const USERS_PASSWORD = 'users:password';
/** Self-service: a user changes their own name, locale, timezone and avatar. */
export const PROFILE_WRITE = 'profile:write';

function denied(): DomainError {
  return new DomainError('PERMISSION_DENIED', 'The caller lacks the permission for this operation');
}

/**
 * Who may act on whom. Every check asks for permissions, never role names, and uses
 * the permissions the guard has just read from the database (state-changing calls
 * re-read the caller's role on every call).
 */
@Injectable()
export class UserAccess {
  constructor(private readonly repo: UserAdminRepository) {}

  can(actor: Principal, permission: string): boolean {
    return hasPermission(actor.permissions ?? {}, permission);
  }

  require(actor: Principal, permission: string): void {
    if (!this.can(actor, permission)) throw denied();
  }

  /** Acting on oneself needs `selfPermission`; on someone else `otherPermission`. */
  requireFor(actor: Principal, targetId: string, selfPermission: string, otherPermission: string): void {
    this.require(actor, actor.userId === targetId ? selfPermission : otherPermission);
  }

  /**
   * No escalation through the administration API: an actor may hand out a role,
   * and manage (edit, suspend, set the password of) its holders, only when it
   * holds every permission of that role itself (permissionsBeyond: wildcards
   * count, self-service `profile:read` / `profile:write` do not). Managing is the
   * same bar as granting because setting someone's password or email is becoming
   * them. Unknown roles are INVALID_ARGUMENT (naming `field`) or PERMISSION_DENIED.
   */
  async requireRoleWithin(actor: Principal, role: string, field?: string): Promise<void> {
    const permissions = await this.repo.rolePermissions(role);
    if (!permissions) {
      if (field) throw DomainError.validation([{ field, description: 'names a role that does not exist' }]);
      throw denied();
    }
    if (permissionsBeyond(actor.permissions ?? {}, permissions).length > 0) throw denied();
  }

  /** requireRoleWithin for the target's current role, unless the actor is the target. */
  async requireManageable(actor: Principal, target: { id: string; role: string }): Promise<void> {
    if (actor.userId !== target.id) await this.requireRoleWithin(actor, target.role);
  }
}
