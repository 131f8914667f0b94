import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { DomainError } from '../../common/errors/domain-error';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { RobloxUsersApi, type RobloxUser } from './roblox-users.api';
import { RobloxVerificationRepository } from './roblox-verification.repository';
import { candidateCodeHashes, newVerificationCode } from './verification-code';

/** A started verification, as StartVerification answers it. */
export interface StartedVerification {
  readonly code: string;
  readonly expiresAt: Date;
  readonly instructions: string;
}

/** The Roblox profile showed the live code; `consume` spends it. */
export interface RobloxProof {
  readonly user: RobloxUser;
  readonly codeHash: Buffer;
}

/**
 * The proof that a caller controls a Roblox account: a code handed out by
 * StartVerification, shown in the About text of that account's Roblox profile, and
 * spent on the first successful use.
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
   * A fresh code for a Roblox user; it replaces the previous one. Only its hash is
   * stored. The Roblox API is not asked here, so starting works while Roblox is down.
   */
  async start(robloxUserId: string): Promise<StartedVerification> {
    const now = this.clock.now();
    const ttlMinutes = this.config.roblox.codeTtlMinutes;
    const expiresAt = new Date(now.getTime() + ttlMinutes * 60_000);
    const { code, hash } = newVerificationCode();
    await this.repo.saveCode(robloxUserId, hash, now, expiresAt);
    const instructions =
      `Paste this code anywhere into the About text of your Roblox profile (roblox.com, Profile, About), save it, then ` +
      `finish signing up, signing in or linking within ${ttlMinutes} minute${ttlMinutes === 1 ? '' : 's'}. ` +
      `The code works once; you may remove it from your profile afterwards.`;
    return { code, expiresAt, instructions };
  }

  /**
   * Checks the proof without spending it: a live code exists, the Roblox user exists
   * and is not banned, and the profile's description shows the code. Throws
   * ROBLOX_CODE_NOT_FOUND, ROBLOX_USER_NOT_FOUND, ROBLOX_USER_BANNED,
   * ROBLOX_CODE_NOT_IN_PROFILE or ROBLOX_UNAVAILABLE.
   */
  async check(robloxUserId: string): Promise<RobloxProof> {
    // The database first: without a live code there is nothing to ask Roblox about.
    const codeHash = await this.repo.findLiveCodeHash(robloxUserId, this.clock.now());
    if (!codeHash) throw codeNotFound();
    const user = await this.api.getUser(robloxUserId);
    if (user.isBanned) throw new DomainError('ROBLOX_USER_BANNED', 'This Roblox user is banned and cannot be used here');
    if (!candidateCodeHashes(user.description).some((h) => h.equals(codeHash))) {
      throw new DomainError('ROBLOX_CODE_NOT_IN_PROFILE', 'The verification code was not found in the About text of the Roblox profile');
    }
    return { user, codeHash };
  }

  /**
   * Spends the code the proof showed (one conditional UPDATE): of requests racing
   * with one code exactly one passes; the others, and a code replaced or expired
   * since the check, get ROBLOX_CODE_NOT_FOUND. Inside a transaction the spending
   * is undone with it.
   */
  async consume(proof: RobloxProof): Promise<void> {
    if (!(await this.repo.consumeCode(proof.user.id, proof.codeHash, this.clock.now()))) throw codeNotFound();
  }
}

function codeNotFound(): DomainError {
  return new DomainError(
    'ROBLOX_CODE_NOT_FOUND',
    'No live verification code for this Roblox user: codes expire and work once; start a new verification',
  );
}
