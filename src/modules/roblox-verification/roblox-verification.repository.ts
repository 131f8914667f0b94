/** A Roblox user linked to an account. */
export interface RobloxIdentityRecord {
  readonly robloxUserId: string;
  readonly username: string;
  readonly linkedAt: Date;
}

export type UnlinkResult = 'unlinked' | 'not_linked' | 'last_sign_in_method';

/** The port of Roblox verification codes and account links; the Pg class is the only one with SQL. */
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
  /**
   * Links a Roblox user to an account that has no link yet; false when the account
   * is gone or linked meanwhile. Throws ROBLOX_ALREADY_LINKED when another live
   * account holds the Roblox user (the unique index decides races).
   */
  abstract link(userId: string, identity: RobloxIdentityRecord): Promise<boolean>;
  /** Keeps the stored username current after a proof (Roblox usernames can change). */
  abstract refreshUsername(userId: string, robloxUserId: string, username: string): Promise<void>;
  /** Removes the link unless the account has neither a password nor an email address (one conditional UPDATE). */
  abstract unlink(userId: string, now: Date): Promise<UnlinkResult>;
  abstract findIdentity(userId: string): Promise<RobloxIdentityRecord | null>;
  /** Deletes up to `batch` expired codes; returns how many. */
  abstract deleteExpired(now: Date, batch: number): Promise<number>;
}
