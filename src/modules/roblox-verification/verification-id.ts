import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes: 256 bits, so a verification id can be neither guessed nor enumerated. */
const VERIFICATION_ID_BYTES = 32;

/** What a request may carry as a verification id (ours are 43 base64url characters). */
export const VERIFICATION_ID_MAX_LENGTH = 64;
export const VERIFICATION_ID_PATTERN = /^[A-Za-z0-9_-]*$/;

/**
 * A fresh verification id (base64url, from the CSPRNG) and its SHA-256, the only form
 * stored: a fast hash suffices for a 256-bit random value, which no dictionary holds.
 */
export function newVerificationId(): { verificationId: string; hash: Buffer } {
  const verificationId = randomBytes(VERIFICATION_ID_BYTES).toString('base64url');
  return { verificationId, hash: hashVerificationId(verificationId) };
}

export function hashVerificationId(verificationId: string): Buffer {
  return createHash('sha256').update(verificationId).digest();
}
