import { createHash, randomBytes } from 'node:crypto';

/** 256 bits of randomness, base64url: refresh tokens and single-use links. */
export function newOpaqueToken(): { token: string; hash: Buffer } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashOpaqueToken(token) };
}

/**
 * Tokens are stored only as SHA-256: they already carry 256 random bits, so a
 * fast hash is enough (no dictionary to slow down) and lookups stay indexable.
 */
export function hashOpaqueToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
