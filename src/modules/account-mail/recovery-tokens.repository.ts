/** Why a token could not be used: expired links are told apart from unknown or used ones. */
export type DeadTokenState = 'expired' | 'invalid';

export interface ConsumedVerification {
  readonly userId: string;
  /** The address the link was sent to (the user's address may have changed since). */
  readonly email: string;
  /** The installation whose sign-up asked for the link (and set the pending password), if a sign-up did. */
  readonly signupInstallationId: string | null;
}

/**
 * Single-use tokens of email verification and password reset, stored as SHA-256
 * only. Consumption is one conditional UPDATE; PgRecoveryTokensRepository is the
 * only implementation with SQL.
 */
export abstract class RecoveryTokensRepository {
  /** Stores a new verification token and deletes the user's earlier unused ones. */
  abstract replaceVerificationToken(
    userId: string, email: string, hash: Buffer, now: Date, expiresAt: Date, signupInstallationId?: string | null,
  ): Promise<void>;
  /** The user and address of a live verification token, without using it up. */
  abstract findLiveVerificationToken(hash: Buffer, now: Date): Promise<ConsumedVerification | null>;
  /** Marks a live token used; null when it is unknown, used or expired. */
  abstract consumeVerificationToken(hash: Buffer, now: Date): Promise<ConsumedVerification | null>;
  abstract verificationTokenState(hash: Buffer, now: Date): Promise<DeadTokenState>;

  /** Stores a new reset token and deletes the user's earlier unused ones. */
  /**
   * Stores a new reset token and deletes the user's earlier unused ones, under the
   * user's row lock and only while `email` (where the link is mailed) is still the
   * user's address: false, storing nothing, when it changed meanwhile (an email change
   * racing RecoveryStart must not leave a live link in the old mailbox).
   */
  abstract replaceResetToken(userId: string, email: string, hash: Buffer, now: Date, expiresAt: Date): Promise<boolean>;
  /** The user of a live reset token, without using it up. */
  abstract findLiveResetToken(hash: Buffer, now: Date): Promise<string | null>;
  /** Marks a live reset token used and returns its user; null when it is unknown, used or expired. */
  abstract consumeResetToken(hash: Buffer, now: Date): Promise<string | null>;
  abstract resetTokenState(hash: Buffer, now: Date): Promise<DeadTokenState>;
  /**
   * Deletes every unused reset and verification token of the user (its email
   * address changed: links mailed to the old address must stop working). Joins the
   * caller's transaction; returns how many were deleted.
   */
  abstract invalidateAllForUser(userId: string): Promise<number>;
  /**
   * Row-locks the user until the surrounding transaction ends: token issuance and
   * verification of one user run one at a time, and what is read after sees the latest state.
   */
  abstract lockUser(userId: string): Promise<void>;
  /** Deletes up to `batch` tokens of each kind that expired before `cutoff`; returns how many. */
  abstract deleteExpired(cutoff: Date, batch: number): Promise<number>;
}
