import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { hashOpaqueToken } from '../../common/crypto/opaque-token';
import { DomainError } from '../../common/errors/domain-error';
import type { MfaMethod } from '../../common/grpc/enums';
import { Db } from '../../database/db';
import type { AuthOutcome } from '../tokens/auth-outcome.model';
import { TokenIssuer } from '../tokens/token-issuer';
import type { UserRecord } from '../users/user.model';
import { UsersRepository } from '../users/users.repository';
import { UserLockout } from '../credentials/user-lockout';
import { MfaCodes } from './mfa-codes';
import { TotpRepository } from './totp.repository';

/** Wrong codes one challenge survives; the lockout counts them as well. */
export const MAX_CHALLENGE_ATTEMPTS = 5;

export interface VerifyMfaInput {
  readonly challengeToken: string;
  readonly method?: MfaMethod;
  readonly code: string;
}

/**
 * VerifyMfa: answers a sign-in challenge with a TOTP code (one step either side)
 * or a recovery code. Success ends the challenge and issues the session for the
 * device that passed the first factor.
 */
@Injectable()
export class MfaVerificationService {
  constructor(
    private readonly totp: TotpRepository,
    private readonly codes: MfaCodes,
    private readonly users: UsersRepository,
    private readonly issuer: TokenIssuer,
    private readonly lockout: UserLockout,
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /**
   * SUCCESS with tokens, or FAILED for a wrong (or already used) code, LOCKED
   * once wrong codes reach the lockout threshold. An unknown, used or expired
   * challenge is MFA_CHALLENGE_INVALID; the fifth wrong code ends the challenge.
   */
  async verify(input: VerifyMfaInput, ip: string): Promise<AuthOutcome> {
    const method = input.method ?? 'MFA_METHOD_UNSPECIFIED';
    if (method !== 'MFA_METHOD_TOTP' && method !== 'MFA_METHOD_RECOVERY_CODE' && method !== 'MFA_METHOD_UNSPECIFIED') {
      throw DomainError.validation([{ field: 'method', description: 'must be MFA_METHOD_TOTP or MFA_METHOD_RECOVERY_CODE' }]);
    }
    const now = this.clock.now();
    const tokenHash = hashOpaqueToken(input.challengeToken);
    const challenge = await this.totp.findLiveChallenge(tokenHash, now);
    if (!challenge) throw challengeInvalid();

    const user = await this.users.findById(challenge.userId);
    if (!user || user.status !== 'active') {
      await this.totp.endChallenge(challenge.id, now);
      return user?.status === 'suspended' ? { status: 'SUSPENDED' } : { status: 'FAILED' };
    }
    const spend = method === 'MFA_METHOD_RECOVERY_CODE'
      ? () => this.codes.spendRecoveryCode(user.id, input.code, now)
      : () => this.codes.spendTotp(user, input.code, now);
    const outcome = await this.db.transaction(() => this.answer(tokenHash, user, spend, ip, now));
    if (outcome.status === 'SUCCESS') await this.users.recordLogin(user.id, now);
    return outcome;
  }

  /**
   * Judges the code with the user's factor row locked: every VerifyMfa of one user
   * queues there, so a code is judged and counted (UserLockout) before the next one
   * is looked at, and answers racing on one challenge find it ended. The success
   * (challenge ended, code spent, session issued, count cleared) and the counted
   * failure each commit whole.
   */
  private async answer(tokenHash: Buffer, user: UserRecord, spend: () => Promise<boolean>, ip: string, now: Date): Promise<AuthOutcome> {
    // No factor: TOTP was disabled, and its challenges went with it.
    if (!(await this.totp.lockFactor(user.id))) throw challengeInvalid();
    const challenge = await this.totp.findLiveChallenge(tokenHash, now);
    if (!challenge) throw challengeInvalid();

    const judged = await this.lockout.judgeForUser(user, spend);
    if (judged.verdict === 'locked') {
      await this.totp.endChallenge(challenge.id, now);
      return { status: 'LOCKED', lockout: judged.lockout };
    }
    if (judged.verdict === 'wrong') {
      await this.totp.recordChallengeFailure(challenge.id, now, MAX_CHALLENGE_ATTEMPTS);
      if (!judged.lockout) return { status: 'FAILED' };
      await this.totp.endChallenge(challenge.id, now);
      return { status: 'LOCKED', lockout: judged.lockout };
    }
    if (!(await this.totp.endChallenge(challenge.id, now))) throw challengeInvalid();
    // The device is the one that passed the password step; the address is the caller's.
    const tokens = await this.issuer.issue(user, challenge.device, ip);
    await this.lockout.clear(user);
    return { status: 'SUCCESS', tokens, user };
  }
}

function challengeInvalid(): DomainError {
  return new DomainError('MFA_CHALLENGE_INVALID', 'Invalid, used or expired MFA challenge; sign in again');
}
