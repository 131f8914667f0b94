import type { NewUser, UserRecord } from './user.model';

/** The port of user data; PgUsersRepository is the only implementation with SQL. */
export abstract class UsersRepository {
  /** A live (not soft-deleted) user by normalised email or phone. */
  abstract findByIdentifier(kind: 'email' | 'phone', value: string): Promise<UserRecord | null>;
  abstract findById(id: string): Promise<UserRecord | null>;
  /** The owner of a live (unexpired) session: one statement for ValidateCredentials' hot path. */
  abstract findBySession(sessionId: string, userId: string, now: Date): Promise<UserRecord | null>;
  /** The live (not soft-deleted) user linked to a Roblox user. */
  abstract findByRobloxUserId(robloxUserId: string): Promise<UserRecord | null>;
  /** Inserts user and profile; throws AUTH_IDENTIFIER_TAKEN when the email or phone is in use. */
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
}
