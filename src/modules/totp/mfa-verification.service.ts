import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { hashOpaqueToken } from '../../common/crypto/opaque-token';
import { DomainError } from '../../common/errors/domain-error';
import type { MfaMethod } from '../../common/grpc/enums';
import { Db } from '../../database/db';
import type { AuthOutcome, IssuedTokens } from '../auth/auth.model';
import { TokenIssuer } from '../auth/token-issuer.service';
import type { UserRecord } from '../users/user.model';
import { UsersRepository } from '../users/users.repository';
import { UserLockout } from '../auth/user-lockout';
import { SecretCipher } from './secret-cipher';
import { hashRecoveryCode, matchTotp, normalizeRecoveryCode } from './totp-codes';
import type { ChallengeRecord } from './totp.model';
import { TotpRepository } from './totp.repository';

/** Wrong codes one challenge survives; the lockout counts them as well. */
export const MAX_CHALLENGE_ATTEMPTS = 5;

export interface VerifyMfaInput {
  readonly challengeToken: string;
  readonly method?: MfaMethod;
  readonly code: string;
}

/** Thrown inside the success transaction to roll it back when the code turns out to be spent or unknown. */
class CodeAlreadyUsed extends Error {}

/**
 * VerifyMfa: answers a sign-in challenge with a TOTP code (one step either side)
 * or a recovery code. Success ends the challenge and issues the session for the
 * device that passed the first factor.
 */
@Injectable()
export class MfaVerificationService {
  constructor(
    private readonly totp: TotpRepository,
    private readonly cipher: SecretCipher,
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
    const challenge = await this.totp.findLiveChallenge(hashOpaqueToken(input.challengeToken), now);
    if (!challenge) throw challengeInvalid();

    const user = await this.users.findById(challenge.userId);
    if (!user || user.status !== 'active') {
      await this.totp.endChallenge(challenge.id, now);
      return user?.status === 'suspended' ? { status: 'SUSPENDED' } : { status: 'FAILED' };
    }
    const locked = await this.lockout.lockOf(user);
    if (locked) {
      await this.totp.endChallenge(challenge.id, now);
      return { status: 'LOCKED', lockout: locked };
    }

    const consume = method === 'MFA_METHOD_RECOVERY_CODE'
      ? this.recoveryCodeConsumer(user, input.code, now)
      : await this.totpConsumer(user, input.code, now);
    const tokens = consume ? await this.complete(challenge, user, consume, ip, now) : null;
    if (tokens) {
      await this.users.recordLogin(user.id, now);
      await this.lockout.clear(user);
      return { status: 'SUCCESS', tokens, user };
    }

    await this.totp.recordChallengeFailure(challenge.id, now, MAX_CHALLENGE_ATTEMPTS);
    const lockedNow = await this.lockout.recordFailure(user);
    if (lockedNow) {
      await this.totp.endChallenge(challenge.id, now);
      return { status: 'LOCKED', lockout: lockedNow };
    }
    return { status: 'FAILED' };
  }

  /**
   * Ends the challenge, spends the code and issues the session in one
   * transaction. The challenge goes first: requests racing on one challenge
   * queue on its row and only the first finds it live. The code is spent by a
   * conditional UPDATE (replay guard or recovery code), so a code racing
   * through several challenges succeeds once; the losers roll back, leaving
   * their challenge open for another try.
   */
  private async complete(
    challenge: ChallengeRecord, user: UserRecord, consume: () => Promise<boolean>, ip: string, now: Date,
  ): Promise<IssuedTokens | null> {
    try {
      return await this.db.transaction(async () => {
        if (!(await this.totp.endChallenge(challenge.id, now))) throw challengeInvalid();
        if (!(await consume())) throw new CodeAlreadyUsed();
        // The device is the one that passed the password step; the address is the caller's.
        return this.issuer.issue(user, challenge.device, ip);
      });
    } catch (e) {
      if (e instanceof CodeAlreadyUsed) return null;
      throw e;
    }
  }

  /** Spends the matched time step if it is newer than the last accepted one; null when the code does not match. */
  private async totpConsumer(user: UserRecord, code: string, now: Date): Promise<(() => Promise<boolean>) | null> {
    const factor = await this.totp.findFactor(user.id);
    if (!factor) return null;
    const step = matchTotp(this.cipher.decrypt(factor.secret, user.id), code, now);
    if (step === null) return null;
    return () => this.totp.advanceStep(user.id, step, now);
  }

  private recoveryCodeConsumer(user: UserRecord, code: string, now: Date): (() => Promise<boolean>) | null {
    const normalized = normalizeRecoveryCode(code);
    if (!normalized) return null;
    const hash = hashRecoveryCode(normalized);
    return () => this.totp.consumeRecoveryCode(user.id, hash, now);
  }
}

function challengeInvalid(): DomainError {
  return new DomainError('MFA_CHALLENGE_INVALID', 'Invalid, used or expired MFA challenge; sign in again');
}
