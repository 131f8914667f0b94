import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { parseMfaKeys, type MfaKey } from '../../config/mfa-keys';
import type { EncryptedSecret } from './totp.model';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export const MFA_NOT_CONFIGURED_MESSAGE = 'MFA is not configured on this server';

/**
 * AES-256-GCM for TOTP secrets at rest, under MFA_ENCRYPTION_KEY. Stored as
 * nonce || tag || ciphertext with the kid of the key beside it: the newest key
 * writes, any configured key reads what it wrote. The user id is authenticated
 * data, so a ciphertext copied onto another user's row does not decrypt.
 */
@Injectable()
export class SecretCipher {
  private readonly keys: readonly MfaKey[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    // loadConfig has validated the format already; parsing again keeps the keys out of AppConfig.
    this.keys = config.mfa.encryptionKeys ? parseMfaKeys(config.mfa.encryptionKeys.reveal()) : [];
  }

  /** Whether TOTP can be enabled at all (MFA_ENCRYPTION_KEY is set). */
  get configured(): boolean {
    return this.keys.length > 0;
  }

  encrypt(plaintext: string, userId: string): EncryptedSecret {
    const current = this.keys[0];
    if (!current) throw new DomainError('MFA_NOT_CONFIGURED', MFA_NOT_CONFIGURED_MESSAGE);
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', current.key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(userId));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { ciphertext: Buffer.concat([nonce, cipher.getAuthTag(), body]), keyId: current.kid };
  }

  /** Throws MFA_NOT_CONFIGURED when the key that wrote the secret is no longer configured. */
  decrypt(secret: EncryptedSecret, userId: string): string {
    const entry = this.keys.find((k) => k.kid === secret.keyId);
    if (!entry) {
      throw new DomainError('MFA_NOT_CONFIGURED', `${MFA_NOT_CONFIGURED_MESSAGE}: the key of this secret is not in MFA_ENCRYPTION_KEY`);
    }
    const data = secret.ciphertext;
    const decipher = createDecipheriv('aes-256-gcm', entry.key, data.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(userId));
    decipher.setAuthTag(data.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
    // A wrong key under a reused kid, or a tampered row, fails here (an internal error, never a wrong code).
    return Buffer.concat([decipher.update(data.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }
}

function aad(userId: string): Buffer {
  return Buffer.from(`auth-service/totp/${userId}`, 'utf8');
}
