import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { DomainError } from '../../common/errors/domain-error';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { RobloxUsersApi, type RobloxUser } from './roblox-users.api';
import { RobloxVerificationRepository } from './roblox-verification.repository';
import { candidateCodeHashes, newVerificationCode } from './verification-code';
import { hashVerificationId, newVerificationId } from './verification-id';

/** A started verification, as StartVerification answers it. */
export interface StartedVerification {
  readonly code: string;
  /** Answered to the caller only: the proof counts only when presented with it. */
  readonly verificationId: string;
  readonly expiresAt: Date;
  readonly instructions: string;
}

/** The Roblox profile showed the live code; `consume` spends it. */
export interface RobloxProof {
  readonly user: RobloxUser;
  readonly codeHash: Buffer;
  readonly verificationHash: Buffer;
}

/**
 * The proof that a caller controls a Roblox account: a code handed out by
 * StartVerification, shown in the About text of that account's Roblox profile, and
 * spent on the first successful use. It counts only for the caller that started it:
 * Roblox ids are public, so whoever knows the id could otherwise use the code the
 * moment the owner pastes it; StartVerification therefore also answers a secret
 * verification id that every use must present.
 */
@Injectable()
export class RobloxProofService {
  constructor(
    private readonly repo: RobloxVerificationRepository,
    private readonly api: RobloxUsersApi,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * A fresh code and verification id for a Roblox user; they replace the previous
   * ones (whose id then proves nothing). Only their hashes are stored. The Roblox API
   * is not asked here, so starting works while Roblox is down.
   */
  async start(robloxUserId: string): Promise<StartedVerification> {
    const now = this.clock.now();
    const ttlMinutes = this.config.roblox.codeTtlMinutes;
    const expiresAt = new Date(now.getTime() + ttlMinutes * 60_000);
    const { code, hash } = newVerificationCode();
    const { verificationId, hash: verificationHash } = newVerificationId();
    await this.repo.saveCode(robloxUserId, hash, verificationHash, now, expiresAt);
    const instructions =
      `Paste this code anywhere into the About text of your Roblox profile (roblox.com, Profile, About), save it, then ` +
      `finish signing up, signing in or linking within ${ttlMinutes} minute${ttlMinutes === 1 ? '' : 's'}. ` +
      `The code works once; you may remove it from your profile afterwards.`;
    return { code, verificationId, expiresAt, instructions };
  }

  /**
   * Checks the proof without spending it: a live code of the verification
   * `verificationId` exists, the Roblox user exists and is not banned, and the
   * profile's description shows the code. Throws ROBLOX_CODE_NOT_FOUND (also for a
   * missing or wrong verification id), ROBLOX_USER_NOT_FOUND, ROBLOX_USER_BANNED,
   * ROBLOX_CODE_NOT_IN_PROFILE or ROBLOX_UNAVAILABLE.
   */
  async check(robloxUserId: string, verificationId: string | undefined): Promise<RobloxProof> {
    // A missing or wrong id answers exactly like "no live code", so a caller without the
    // id learns nothing about the verification, and Roblox is not even asked.
    if (!verificationId) throw codeNotFound();
    const verificationHash = hashVerificationId(verificationId);
    // The database first: without a live code there is nothing to ask Roblox about.
    const codeHash = await this.repo.findLiveCodeHash(robloxUserId, verificationHash, this.clock.now());
    if (!codeHash) throw codeNotFound();
    const user = await this.api.getUser(robloxUserId);
    if (user.isBanned) throw new DomainError('ROBLOX_USER_BANNED', 'This Roblox user is banned and cannot be used here');
    if (!candidateCodeHashes(user.description).some((h) => h.equals(codeHash))) {
      throw new DomainError('ROBLOX_CODE_NOT_IN_PROFILE', 'The verification code was not found in the About text of the Roblox profile');
    }
    return { user, codeHash, verificationHash };
  }

  /**
   * Spends the code the proof showed (one conditional UPDATE): of requests racing
   * with one code exactly one passes; the others, and a code replaced or expired
   * since the check, get ROBLOX_CODE_NOT_FOUND. Inside a transaction the spending
   * is undone with it.
   */
  async consume(proof: RobloxProof): Promise<void> {
    if (!(await this.repo.consumeCode(proof.user.id, proof.codeHash, proof.verificationHash, this.clock.now()))) throw codeNotFound();
  }
}

function codeNotFound(): DomainError {
  return new DomainError(
    'ROBLOX_CODE_NOT_FOUND',
    'No live verification code for this Roblox user: codes expire and work once; start a new verification',
  );
}
