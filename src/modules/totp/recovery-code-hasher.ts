import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { parseMfaKeys } from '../../config/mfa-keys';
import { MFA_NOT_CONFIGURED_MESSAGE } from './secret-cipher';
import type { RecoveryCodeDigest } from './totp.model';

/** HKDF info: the MAC keys are never the AES keys that encrypt TOTP secrets. */
const HKDF_INFO = 'auth-service/mfa-recovery-code/hmac-sha256/v1';

/**
 * Recovery codes at rest (ASVS 2.6.2). A code carries 60 random bits, fine against
 * online guessing (the lockout allows a handful of guesses per window), but a plain
 * SHA-256 of it could be enumerated by whoever reads a database dump. New codes are
 * stored as HMAC-SHA-256(user id, code) under a key derived with HKDF from the newest
 * MFA_ENCRYPTION_KEY entry, whose kid is stored beside the digest: the key is never
 * in the database, and a rotation keeps old codes verifying while their key is
 * listed (the same rule as the TOTP secrets). A keyed MAC rather than a per-row salt
 * keeps the look-up of a typed code a single indexed conditional UPDATE. Rows of the
 * plain SHA-256 era ('sha256') keep verifying until used or regenerated.
 */
@Injectable()
export class RecoveryCodeHasher {
  private readonly keys: readonly { readonly kid: string; readonly macKey: Buffer }[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const keys = config.mfa.encryptionKeys ? parseMfaKeys(config.mfa.encryptionKeys.reveal()) : [];
    this.keys = keys.map((k) => ({ kid: k.kid, macKey: Buffer.from(hkdfSync('sha256', k.key, Buffer.alloc(0), HKDF_INFO, 32)) }));
  }

  /** The digest to store for a new code (normalised), under the newest key. */
  forStorage(userId: string, normalizedCode: string): RecoveryCodeDigest {
    const current = this.keys[0];
    if (!current) throw new DomainError('MFA_NOT_CONFIGURED', MFA_NOT_CONFIGURED_MESSAGE);
    return { scheme: 'hmac-sha256', keyId: current.kid, hash: mac(current.macKey, userId, normalizedCode) };
  }

  /** Every digest a stored row of this code may hold: one per configured key, and the legacy SHA-256. */
  candidates(userId: string, normalizedCode: string): RecoveryCodeDigest[] {
    return [
      ...this.keys.map((k): RecoveryCodeDigest => ({ scheme: 'hmac-sha256', keyId: k.kid, hash: mac(k.macKey, userId, normalizedCode) })),
      { scheme: 'sha256', keyId: null, hash: createHash('sha256').update(normalizedCode, 'utf8').digest() },
    ];
  }
}

function mac(key: Buffer, userId: string, normalizedCode: string): Buffer {
  // The user id binds a digest to its account; the NUL cannot occur in either part.
  return createHmac('sha256', key).update(`${userId}\u0000${normalizedCode}`, 'utf8').digest();
}
