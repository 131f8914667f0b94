import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../common/clock';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { MfaChallengeService } from '../totp/mfa-challenge.service';
import type { DeviceInfo } from '../sessions/session.model';
import type { UserRecord } from '../users/user.model';
import { UsersRepository } from '../users/users.repository';
import type { AuthOutcome } from '../tokens/auth-outcome.model';
import { UserLockout } from '../credentials/user-lockout';
import { PasswordCheck } from '../credentials/password-check';
import { PasswordHasher } from '../credentials/password-hasher';
import { TokenIssuer } from '../tokens/token-issuer';

/**
 * The password step every password sign-in shares (Authenticate by email or phone,
 * SignInWithRoblox by Roblox user id): lockout per identifier and per account, one argon2 verify
 * whether or not the user exists, one generic FAILED, then the MFA step or tokens.
 */
@Injectable()
export class PasswordSignIn {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly users: UsersRepository,
    private readonly lockout: UserLockout,
    private readonly hasher: PasswordHasher,
    private readonly passwords: PasswordCheck,
    private readonly issuer: TokenIssuer,
    private readonly mfa: MfaChallengeService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Every failure (unknown user, wrong password, no password, inactive account)
   * answers FAILED with the same message and about the same time: the unknown path
   * still runs a dummy verify. Failures count under `key` (e.g. `email:<address>`,
   * `roblox:<id>`), known or not, so LOCKED reveals nothing either, and, when the
   * identifier belongs to an account, under the account's key too (UserLockout.judgeSignIn).
   */
  async signIn(key: string, findUser: () => Promise<UserRecord | null>, password: string, device: DeviceInfo, ip: string): Promise<AuthOutcome> {
    // Looked up before the attempt is reserved, locked or not: the account key to count
    // under depends on it, and known and unknown identifiers must cost the same.
    const user = await findUser();
    // The attempt is counted before the password is verified, so a burst of guesses
    // gets at most the threshold of them verified and the rest LOCKED, right or wrong.
    const judged = await this.lockout.judgeSignIn(key, user, () => this.passwords.matches(user, password));
    if (judged.verdict === 'locked') return { status: 'LOCKED', lockout: judged.lockout };
    if (judged.verdict === 'wrong') return judged.lockout ? { status: 'LOCKED', lockout: judged.lockout } : { status: 'FAILED' };
    const found = user!; // a right password needs a user
    // With a second factor the password alone must not reset the count: wrong MFA
    // codes add to it, and a successful VerifyMfa clears it. Its own attempt is given back.
    if (found.mfaEnabled) await this.lockout.release(judged.attempt);
    else await this.lockout.clear(found, key);
    if (found.status === 'suspended') return { status: 'SUSPENDED' };
    if (found.status !== 'active') return { status: 'FAILED' };
    await this.upgradeHashIfNeeded(found, password);
    return this.complete(found, device, ip);
  }

  /**
   * The end of any sign-in once the first factor passed and the account is active:
   * MFA_REQUIRED with a challenge for a user with TOTP, otherwise the session.
   */
  async complete(user: UserRecord, device: DeviceInfo, ip: string): Promise<AuthOutcome> {
    const challenge = await this.mfa.challengeIfEnabled(user, device, ip);
    if (challenge) return challenge;
    await this.users.recordLogin(user.id, this.clock.now());
    return { status: 'SUCCESS', tokens: await this.issuer.issue(user, device, ip), user };
  }

  /** bcrypt hashes from the migrated Roblox service, or older argon2 parameters, are replaced after a successful sign-in. */
  private async upgradeHashIfNeeded(user: UserRecord, password: string): Promise<void> {
    if (!user.passwordHash || !this.hasher.needsRehash(user.passwordHash)) return;
    try {
      await this.users.upgradePasswordHash(user.id, user.passwordHash, await this.hasher.hash(password));
    } catch (e) {
      // Not worth failing a correct sign-in over: the next one tries again.
      this.logger.warn(`Password re-hash failed: ${e instanceof Error ? e.message : 'unknown error'}`);
    }
  }
}
