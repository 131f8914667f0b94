import type { UserRecord } from '../users/user.model';
import type { PendingAvatarUpload, UserListFilter } from './user-admin.model';

/**
 * The administration reads (lists, roles) and the avatar_uploads table; PgUserAdminRepository
 * is the only implementation with SQL. Writes to users go through UsersRepository.
 */
export abstract class UserAdminRepository {
  /** At most `limit` users matching `filter` with id > `afterId` (keyset), ordered by id. */
  abstract listBatch(filter: UserListFilter, afterId: string | null, limit: number): Promise<UserRecord[]>;
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
}
