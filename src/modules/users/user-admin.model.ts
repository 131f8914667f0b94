import type { UserRecord } from './user.model';

export type UserStatusName = UserRecord['status'];

/** What ListUsers / ListUsersInfo select; every set filter must match (empty arrays are "any"). */
export interface UserListFilter {
  /** Restricts to these ids (already intersected with what the caller may see). */
  readonly ids?: readonly string[];
  /** Statuses to include; never empty (the default leaves out `deleted`). */
  readonly statuses: readonly UserStatusName[];
  readonly roles?: readonly string[];
  /** Case-insensitive substring of name, email or phone. */
  readonly query?: string;
}

/** The columns an administrator changes; undefined leaves a column as it is. */
export interface UserChanges {
  readonly displayName?: string;
  readonly email?: string | null;
  readonly phone?: string | null;
  readonly role?: string;
  readonly status?: UserStatusName;
  readonly locale?: string;
  readonly timezone?: string;
}

export interface NewManagedUser {
  readonly email: string | null;
  readonly phone: string | null;
  readonly passwordHash: string | null;
  readonly role: string;
  readonly displayName: string;
  readonly locale: string;
  readonly timezone: string;
}

/** An avatar upload GetAvatarUploadUrl presigned, waiting for ConfirmAvatarUpload. */
export interface PendingAvatarUpload {
  readonly userId: string;
  readonly objectKey: string;
  readonly contentType: string;
  readonly contentSize: number;
  readonly createdAt: Date;
}
