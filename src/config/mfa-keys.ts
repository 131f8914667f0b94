/** One AES-256 key of MFA_ENCRYPTION_KEY. */
export interface MfaKey {
  /** Stored next to every ciphertext, so any listed key can still decrypt what it wrote. */
  readonly kid: string;
  readonly key: Buffer;
}

const ENTRY = /^([A-Za-z0-9_-]{1,32}):([A-Za-z0-9+/_-]+={0,2})$/;
const BARE_KEY = /^[A-Za-z0-9+/_-]+={0,2}$/;
/** The kid of a key given bare; to rotate it later, list it as `default:<key>` behind the new entry. */
export const DEFAULT_MFA_KID = 'default';

/**
 * Parses MFA_ENCRYPTION_KEY: a comma-separated list of `kid:base64key` entries
 * (standard or URL-safe base64 of exactly 32 bytes), newest first. The first
 * entry encrypts; every entry decrypts what was written under its kid, so a key
 * is rotated by putting a new entry in front and dropping the old one only
 * once nothing is stored under it any more. A single bare base64 key (no kid, no
 * comma; base64 has no colon) is one key under the kid `default`. Messages never
 * include key material.
 */
export function parseMfaKeys(text: string): MfaKey[] {
  const bare = text.trim();
  const entries = BARE_KEY.test(bare) ? [`${DEFAULT_MFA_KID}:${bare}`] : text.split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) throw new Error('MFA_ENCRYPTION_KEY must list at least one kid:base64key entry');
  const keys: MfaKey[] = [];
  for (const [i, entry] of entries.entries()) {
    const m = ENTRY.exec(entry);
    if (!m) {
      throw new Error(`MFA_ENCRYPTION_KEY entry ${i + 1} must be kid:base64key (kid: 1-32 of A-Z a-z 0-9 _ -)`);
    }
    const key = Buffer.from(m[2], m[2].includes('-') || m[2].includes('_') ? 'base64url' : 'base64');
    if (key.length !== 32) throw new Error(`MFA_ENCRYPTION_KEY entry ${i + 1} must hold a 32-byte key (base64 of 32 random bytes)`);
    if (keys.some((k) => k.kid === m[1])) throw new Error(`MFA_ENCRYPTION_KEY entry ${i + 1} repeats a kid`);
    keys.push({ kid: m[1], key });
  }
  return keys;
}

/** The problem with a MFA_ENCRYPTION_KEY value, or null when it parses (for loadConfig). */
export function mfaKeysProblem(text: string): string | null {
  try {
    parseMfaKeys(text);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}
