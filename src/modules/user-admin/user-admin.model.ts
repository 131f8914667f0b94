import type { UserRecord } from '../users/user.model';

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

/** An avatar upload GetAvatarUploadUrl presigned, waiting for ConfirmAvatarUpload. */
export interface PendingAvatarUpload {
  readonly userId: string;
  readonly objectKey: string;
  readonly contentType: string;
  readonly contentSize: number;
  readonly createdAt: Date;
}
