import type { UserRecord } from './user.model';
import type { NewManagedUser, PendingAvatarUpload, UserChanges, UserListFilter } from './user-admin.model';

/** The port of the administration use cases; PgUserAdminRepository is the only implementation with SQL. */
export abstract class UserAdminRepository {
  /** At most `limit` users matching `filter` with id > `afterId` (keyset), ordered by id. */
  abstract listBatch(filter: UserListFilter, afterId: string | null, limit: number): Promise<UserRecord[]>;
  /** Inserts user and profile; throws USER_IDENTIFIER_TAKEN naming the field in use. */
  abstract create(user: NewManagedUser, now: Date): Promise<UserRecord>;
  /** The user, row-locked until the surrounding transaction ends; soft-deleted users included. */
  abstract findForUpdate(id: string): Promise<UserRecord | null>;
  /**
   * Applies the changes; a changed email or phone loses its verified flag, status
   * `deleted` sets deleted_at (any other status clears it). Throws USER_IDENTIFIER_TAKEN.
   */
  abstract update(id: string, changes: UserChanges, now: Date): Promise<void>;
  abstract setPasswordHash(id: string, hash: string, now: Date): Promise<void>;
  /** The permissions of a role, or null when no such role exists. */
  abstract rolePermissions(role: string): Promise<Record<string, boolean> | null>;
  /**
   * Whether an active account exists whose role is `roleName` or whose role's
   * permissions contain every entry of one of `grantSets` (JSON containment: `true` values only).
   */
  abstract existsActiveHolder(roleName: string, grantSets: readonly Readonly<Record<string, true>>[]): Promise<boolean>;

  abstract savePendingAvatar(upload: PendingAvatarUpload): Promise<void>;
  abstract findPendingAvatar(userId: string): Promise<PendingAvatarUpload | null>;
  abstract deletePendingAvatar(userId: string): Promise<void>;
  /** Sets (or, with null, clears) the profile's avatar URL. */
  abstract setAvatarUrl(userId: string, url: string | null, now: Date): Promise<void>;
}
