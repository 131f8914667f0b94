import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { newOpaqueToken } from '../../common/crypto/opaque-token';
import { Db } from '../../database/db';
import type { AuthOutcome, MfaChallengeDetails } from '../tokens/auth-outcome.model';
import type { DeviceInfo } from '../sessions/session.model';
import type { UserRecord } from '../users/user.model';
import { TotpRepository } from './totp.repository';

export const CHALLENGE_TTL_MS = 5 * 60_000;
/**
 * Live challenges one user may hold; a new one retires the oldest. Each challenge
 * survives five wrong codes, so without a cap a password holder could open any
 * number of them (the account lockout still bounds the guesses across all of them).
 */
export const MAX_LIVE_CHALLENGES = 5;

const AVAILABLE_METHODS: MfaChallengeDetails['availableMethods'] = [
  { method: 'MFA_METHOD_TOTP', hint: 'Authenticator app', isDefault: true },
  { method: 'MFA_METHOD_RECOVERY_CODE', hint: 'One of your recovery codes', isDefault: false },
];

/**
 * The MFA step of every sign-in (Authenticate, and later Roblox sign-in): after
 * the first factor has passed, a user with TOTP enabled gets a challenge instead
 * of tokens. Depends on nothing of the auth module, so AuthModule can import it.
 */
@Injectable()
export class MfaChallengeService {
  constructor(
    private readonly totp: TotpRepository,
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /**
   * Call once the first factor succeeded and the account checks passed. Null:
   * the user has no second factor, issue tokens now. Otherwise the answer is
   * MFA_REQUIRED with a single-use challenge (stored hashed, 5 minutes) that
   * remembers the device and address; VerifyMfa issues the session for them.
   * The user keeps at most MAX_LIVE_CHALLENGES; this one retires the oldest.
   */
  async challengeIfEnabled(user: UserRecord, device: DeviceInfo, ip: string): Promise<AuthOutcome | null> {
    if (!(await this.totp.isEnabled(user.id))) return null;
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + CHALLENGE_TTL_MS);
    const { token, hash } = newOpaqueToken();
    const created = await this.db.transaction(async () => {
      // Parallel sign-ins of one user queue on the factor row, so each one's cap
      // counts the challenges the others have just added.
      if (!(await this.totp.lockFactor(user.id))) return false;
      await this.totp.createChallenge({ userId: user.id, tokenHash: hash, device, ip, now, expiresAt }, MAX_LIVE_CHALLENGES);
      return true;
    });
    if (!created) return null;
    return { status: 'MFA_REQUIRED', challenge: { challengeToken: token, expiresAt, availableMethods: AVAILABLE_METHODS } };
  }
}
