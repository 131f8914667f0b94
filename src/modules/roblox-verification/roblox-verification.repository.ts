/** A Roblox user linked to an account. */
export interface RobloxIdentityRecord {
  readonly robloxUserId: string;
  readonly username: string;
  readonly linkedAt: Date;
}

/**
 * The port of Roblox verification codes (and the read of an account's link); the Pg class
 * is the only one with SQL. Links are written through UsersRepository.
 */
export abstract class RobloxVerificationRepository {
  /**
   * Stores a code (its hash) and the hash of its verification id for a Roblox user,
   * replacing any previous code and id, used or not; also deletes a bounded batch of
   * long-expired codes so the table stays small.
   */
  abstract saveCode(robloxUserId: string, codeHash: Buffer, verificationHash: Buffer, now: Date, expiresAt: Date): Promise<void>;
  /**
   * The hash of the Roblox user's live (unused, unexpired) code if it belongs to the
   * verification with `verificationHash`; null otherwise (no live code or another verification).
   */
  abstract findLiveCodeHash(robloxUserId: string, verificationHash: Buffer, now: Date): Promise<Buffer | null>;
  /**
   * Spends the live code if it is still the one with `codeHash` of the verification
   * with `verificationHash`: one conditional UPDATE, so of requests racing with one
   * code exactly one gets true.
   */
  abstract consumeCode(robloxUserId: string, codeHash: Buffer, verificationHash: Buffer, now: Date): Promise<boolean>;
  abstract findIdentity(userId: string): Promise<RobloxIdentityRecord | null>;
  /** Deletes up to `batch` expired codes; returns how many. */
  abstract deleteExpired(now: Date, batch: number): Promise<number>;
}
