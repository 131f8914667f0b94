import type { ChallengeRecord, EncryptedSecret, NewChallenge, PendingSetup, RecoveryCodeDigest, TotpFactor } from './totp.model';

/**
 * The port of MFA data (PgTotpRepository is the only implementation with SQL).
 * Every consumption (setup token, challenge, recovery code, TOTP time step) is
 * one conditional UPDATE, so concurrent requests cannot both succeed.
 */
export abstract class TotpRepository {
  abstract findFactor(userId: string): Promise<TotpFactor | null>;
  abstract isEnabled(userId: string): Promise<boolean>;
  /**
   * Locks the user's factor row until the current transaction ends; false when the
   * user has none. Opening a challenge, VerifyMfa and DisableMfa of one user queue
   * here (always first, so they cannot deadlock on each other's rows).
   */
  abstract lockFactor(userId: string): Promise<boolean>;

  /** Stores a pending setup; also drops the user's used or expired ones. */
  abstract createSetup(userId: string, tokenHash: Buffer, secret: EncryptedSecret, now: Date, expiresAt: Date): Promise<void>;
  /** The caller's unused, unexpired setup with this token. */
  abstract findLiveSetup(userId: string, tokenHash: Buffer, now: Date): Promise<PendingSetup | null>;
  /** Marks the setup used if it still is unused and unexpired; false when another request got there first. */
  abstract consumeSetup(setupId: string, now: Date): Promise<boolean>;
  /** Counts a wrong confirmation code; the `max`-th ends the setup. */
  abstract recordSetupFailure(setupId: string, now: Date, max: number): Promise<void>;
  /** Inserts the user's TOTP factor; false when one exists already (the primary key decides). */
  abstract enableFactor(userId: string, secret: EncryptedSecret, acceptedStep: number, now: Date): Promise<boolean>;
  /** Replaces the user's recovery codes by these digests. */
  abstract replaceRecoveryCodes(userId: string, codes: readonly RecoveryCodeDigest[], now: Date): Promise<void>;

  /** Replay guard: records `step` only if it is strictly greater than the last accepted one. */
  abstract advanceStep(userId: string, step: number, now: Date): Promise<boolean>;
  /**
   * Marks the unused recovery code stored as any of `candidates` (the digests of one
   * typed code under each scheme and key) used; false when unknown or already used.
   */
  abstract consumeRecoveryCode(userId: string, candidates: readonly RecoveryCodeDigest[], now: Date): Promise<boolean>;
  /** Whether an unused recovery code is stored as any of `candidates`; spends nothing. */
  abstract hasUnusedRecoveryCode(userId: string, candidates: readonly RecoveryCodeDigest[]): Promise<boolean>;
  abstract countRecoveryCodes(userId: string): Promise<number>;

  /**
   * Stores a challenge; also drops the user's used or expired ones, and retires
   * the oldest live ones so that at most `maxLive` remain. Run it under lockFactor,
   * or parallel calls would each keep the others' new challenges.
   */
  abstract createChallenge(challenge: NewChallenge, maxLive: number): Promise<void>;
  abstract findLiveChallenge(tokenHash: Buffer, now: Date): Promise<ChallengeRecord | null>;
  /** Ends the challenge if it is still live; false when another request ended it first. */
  abstract endChallenge(challengeId: string, now: Date): Promise<boolean>;
  /** Counts a wrong code; the `max`-th ends the challenge. */
  abstract recordChallengeFailure(challengeId: string, now: Date, max: number): Promise<void>;

  /** Removes the factor, the recovery codes, pending setups and open challenges; false when there was no factor. */
  abstract removeAll(userId: string): Promise<boolean>;
  /** Deletes up to `batch` expired or used setup tokens and challenges; returns how many. */
  abstract deleteExpired(now: Date, batch: number): Promise<number>;
}
