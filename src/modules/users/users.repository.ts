import type { RobloxLink } from './roblox-link';
import type { NewManagedUser, NewUser, UserChanges, UserRecord } from './user.model';

/**
 * The port of user data; PgUsersRepository is the only implementation with SQL and the
 * only writer of the users and user_profiles tables (sign-up, administration, Roblox
 * links). A unique violation of an identifier is USER_IDENTIFIER_TAKEN everywhere.
 */
export abstract class UsersRepository {
  /** A live (not soft-deleted) user by normalised email or phone. */
  abstract findByIdentifier(kind: 'email' | 'phone', value: string): Promise<UserRecord | null>;
  abstract findById(id: string): Promise<UserRecord | null>;
  /** The live (not soft-deleted) user linked to a Roblox user. */
  abstract findByRobloxUserId(robloxUserId: string): Promise<UserRecord | null>;
  /** Inserts user and profile; throws USER_IDENTIFIER_TAKEN (naming the field) when an identifier is in use. */
  abstract create(user: NewUser): Promise<UserRecord>;
  abstract updatePasswordHash(id: string, hash: string): Promise<void>;
  /**
   * Sets the password of a user only while it is pending and unverified (a repeated
   * sign-up); false once the address was verified, so a sign-up racing the owner's
   * verification cannot leave its password on the activated account.
   */
  abstract replacePendingPasswordHash(id: string, hash: string): Promise<boolean>;
  /** Removes the password (sign-in by password fails until one is set through recovery). */
  abstract clearPasswordHash(id: string): Promise<void>;
  /** Replaces the hash only if it is still the one that was verified (a concurrent change wins). */
  abstract upgradePasswordHash(id: string, oldHash: string, newHash: string): Promise<void>;
  abstract recordLogin(id: string, at: Date): Promise<void>;
  /**
   * Marks `email` verified while it is still the user's address and turns a pending
   * user active; null when the user is suspended, deleted or has another address now.
   */
  abstract confirmEmail(id: string, email: string, at: Date): Promise<UserRecord | null>;
  /** An administrator's (or the CLI's) new active user, created at `now`; throws USER_IDENTIFIER_TAKEN. */
  abstract createManaged(user: NewManagedUser, now: Date): Promise<UserRecord>;
  /** The user, row-locked until the surrounding transaction ends; soft-deleted users included. */
  abstract findForUpdate(id: string): Promise<UserRecord | null>;
  /**
   * Applies an administrator's changes; a changed email or phone loses its verified flag,
   * status `deleted` sets deleted_at (any other status clears it). Throws USER_IDENTIFIER_TAKEN.
   */
  abstract update(id: string, changes: UserChanges, now: Date): Promise<void>;
  /** SetPassword: the hash with the change time of the application clock. */
  abstract setPasswordHash(id: string, hash: string, now: Date): Promise<void>;
  /** Sets (or, with null, clears) the profile's avatar URL. */
  abstract setAvatarUrl(userId: string, url: string | null, now: Date): Promise<void>;
  /**
   * Links a Roblox user to an account that has no link yet; false when the account is
   * gone or linked meanwhile. Throws USER_IDENTIFIER_TAKEN when another live account
   * holds the Roblox user (the unique index decides races).
   */
  abstract linkRoblox(userId: string, link: RobloxLink): Promise<boolean>;
  /** Keeps the stored Roblox username current after a proof (Roblox usernames can change). */
  abstract refreshRobloxUsername(userId: string, robloxUserId: string, username: string): Promise<void>;
  /** Removes the link unless the account has neither a password, an email address nor an OAuth identity (one conditional UPDATE); false when nothing changed. */
  abstract unlinkRoblox(userId: string, now: Date): Promise<boolean>;
  /** The account's display name and time zone as the portfolio edits them (user_profiles); undefined leaves a column. */
  abstract updateProfile(userId: string, changes: { readonly displayName?: string; readonly timezone?: string }, now: Date): Promise<void>;
}
