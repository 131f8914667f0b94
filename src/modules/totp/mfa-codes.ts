import { Injectable } from '@nestjs/common';
import type { UserRecord } from '../users/user.model';
import { RecoveryCodeHasher } from './recovery-code-hasher';
import { SecretCipher } from './secret-cipher';
import { matchTotp, normalizeRecoveryCode } from './totp-codes';
import type { RecoveryCodeDigest } from './totp.model';
import { TotpRepository } from './totp.repository';

/** A code that matched and can still be spent: the TOTP time step, or the recovery code's digests. */
export type MatchedCode =
  | { readonly kind: 'totp'; readonly step: number }
  | { readonly kind: 'recovery'; readonly candidates: readonly RecoveryCodeDigest[] };

/**
 * Judging and spending second-factor codes (VerifyMfa, DisableMfa). Matching spends
 * nothing; spending is one conditional UPDATE (the TOTP replay guard, or marking the
 * recovery code used), so of requests racing with one code only one spends it.
 */
@Injectable()
export class MfaCodes {
  constructor(
    private readonly totp: TotpRepository,
    private readonly cipher: SecretCipher,
    private readonly hasher: RecoveryCodeHasher,
  ) {}

  /** The TOTP step the code matches, if the replay guard would still accept it. */
  async matchTotp(user: UserRecord, code: string, now: Date): Promise<MatchedCode | null> {
    const factor = await this.totp.findFactor(user.id);
    if (!factor) return null;
    const step = matchTotp(this.cipher.decrypt(factor.secret, user.id), code, now);
    return step !== null && step > factor.lastUsedStep ? { kind: 'totp', step } : null;
  }

  /** The digests of the code, if it is one of the user's unused recovery codes. */
  async matchRecoveryCode(userId: string, code: string): Promise<MatchedCode | null> {
    const normalized = normalizeRecoveryCode(code);
    if (normalized === null) return null;
    const candidates = this.hasher.candidates(userId, normalized);
    return (await this.totp.hasUnusedRecoveryCode(userId, candidates)) ? { kind: 'recovery', candidates } : null;
  }

  /** A code of either kind, told apart by its shape: six digits are a TOTP code (recovery codes have 12 characters). */
  async match(user: UserRecord, code: string, now: Date): Promise<MatchedCode | null> {
    return /^\d{6}$/.test(code.replace(/\s+/g, '')) ? this.matchTotp(user, code, now) : this.matchRecoveryCode(user.id, code);
  }

  /** Spends a matched code; false when another request spent it (or a newer step) first. */
  async spend(userId: string, matched: MatchedCode, now: Date): Promise<boolean> {
    return matched.kind === 'totp'
      ? this.totp.advanceStep(userId, matched.step, now)
      : this.totp.consumeRecoveryCode(userId, matched.candidates, now);
  }

  /** Matches and spends a TOTP code (VerifyMfa). */
  async spendTotp(user: UserRecord, code: string, now: Date): Promise<boolean> {
    const matched = await this.matchTotp(user, code, now);
    return matched !== null && this.spend(user.id, matched, now);
  }

  /** Spends a recovery code (VerifyMfa): one conditional UPDATE, no separate look-up. */
  async spendRecoveryCode(userId: string, code: string, now: Date): Promise<boolean> {
    const normalized = normalizeRecoveryCode(code);
    return normalized !== null && this.totp.consumeRecoveryCode(userId, this.hasher.candidates(userId, normalized), now);
  }

  /** Digests to store for freshly issued recovery codes. */
  digestsForStorage(userId: string, codes: readonly string[]): RecoveryCodeDigest[] {
    return codes.map((c) => this.hasher.forStorage(userId, normalizeRecoveryCode(c)!));
  }
}
