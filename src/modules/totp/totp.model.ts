import type { DeviceInfo } from '../sessions/session.model';

/** A TOTP secret as stored: AES-256-GCM output and the MFA_ENCRYPTION_KEY entry that wrote it. */
export interface EncryptedSecret {
  readonly ciphertext: Buffer;
  readonly keyId: string;
}

/**
 * A recovery code as stored: HMAC-SHA-256 under the MFA key `keyId` (RecoveryCodeHasher),
 * or the plain SHA-256 of rows written before that scheme.
 */
export interface RecoveryCodeDigest {
  readonly scheme: 'hmac-sha256' | 'sha256';
  readonly keyId: string | null;
  readonly hash: Buffer;
}

/** An enabled TOTP factor. */
export interface TotpFactor {
  readonly userId: string;
  readonly secret: EncryptedSecret;
  /** RFC 6238 time step of the last accepted code (-1: none yet). */
  readonly lastUsedStep: number;
  readonly configuredAt: Date;
}

/** A SetupMfa not confirmed yet. */
export interface PendingSetup {
  readonly id: string;
  readonly userId: string;
  readonly secret: EncryptedSecret;
  readonly failedAttempts: number;
}

export interface NewChallenge {
  readonly userId: string;
  readonly tokenHash: Buffer;
  readonly device: DeviceInfo;
  readonly ip: string;
  readonly now: Date;
  readonly expiresAt: Date;
}

/** A live MFA challenge: who passed the password step, and for which device. */
export interface ChallengeRecord {
  readonly id: string;
  readonly userId: string;
  readonly device: DeviceInfo;
  readonly ip: string;
  readonly failedAttempts: number;
  readonly expiresAt: Date;
}
