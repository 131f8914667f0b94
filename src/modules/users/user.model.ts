/** An account as the services see it (never a TypeORM entity). */
export interface UserRecord {
  readonly id: string;
  readonly email: string | null;
  readonly phone: string | null;
  readonly emailVerified: boolean;
  readonly phoneVerified: boolean;
  readonly passwordHash: string | null;
  readonly role: string;
  readonly status: 'pending' | 'active' | 'suspended' | 'deleted';
  readonly displayName: string;
  readonly avatarUrl: string | null;
  readonly locale: string;
  readonly timezone: string;
  readonly mfaEnabled: boolean;
  /** The linked Roblox user (a positive 64-bit integer as a string), or null. */
  readonly robloxUserId: string | null;
  readonly robloxUsername: string | null;
  /** OAuth providers linked to the account (oauth_accounts.provider names: google, github, ..., oidc), sorted. */
  readonly linkedProviders: readonly string[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface NewUser {
  readonly email?: string;
  readonly phone?: string;
  readonly passwordHash: string | null;
  /** An address the creator has proof of (an OpenID provider asserting email_verified). Default false. */
  readonly emailVerified?: boolean;
  readonly role?: string;
  readonly status: 'pending' | 'active';
  readonly displayName: string;
  readonly locale?: string;
  readonly timezone?: string;
  /** A Roblox identity proven at sign-up (SignUpWithRoblox). */
  readonly roblox?: { readonly userId: string; readonly username: string; readonly linkedAt: Date };
}

/** The columns an administrator changes; undefined leaves a column as it is. */
export interface UserChanges {
  readonly displayName?: string;
  readonly email?: string | null;
  readonly phone?: string | null;
  readonly role?: string;
  readonly status?: UserRecord['status'];
  readonly locale?: string;
  readonly timezone?: string;
}

/** A user an administrator (or the CLI) creates: active from the start. */
export interface NewManagedUser {
  readonly email: string | null;
  readonly phone: string | null;
  readonly passwordHash: string | null;
  readonly role: string;
  readonly displayName: string;
  readonly locale: string;
  readonly timezone: string;
}
