import { randomInt } from 'node:crypto';
import { generateSecret, generateURI, verifySync } from 'otplib';

/** RFC 6238 parameters every authenticator app understands: SHA-1, 6 digits, 30 s. */
export const TOTP_PERIOD_SECONDS = 30;
const TOTP_DIGITS = 6;

/** A fresh TOTP secret: 160 random bits (RFC 4226's recommended length), base32. */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/** The `otpauth://totp/Issuer:account?secret=...&issuer=...` URI authenticator apps scan. */
export function provisioningUri(issuer: string, account: string, secret: string): string {
  return generateURI({ issuer, label: account, secret, digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS });
}

/**
 * The RFC 6238 time step a code matches at `now`, within one step either side
 * (clock drift between phone and server), or null. The caller still has to
 * pass the step through the replay guard.
 */
export function matchTotp(secret: string, code: string, now: Date): number | null {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  const result = verifySync({
    secret,
    token,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    epoch: Math.floor(now.getTime() / 1000),
    epochTolerance: TOTP_PERIOD_SECONDS,
  });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const RECOVERY_GROUPS = 3;
const RECOVERY_GROUP_LENGTH = 4;
export const RECOVERY_CODE_COUNT = 10;

/** Random bits of a recovery code: 12 base32 characters. */
export const RECOVERY_CODE_BITS = RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH * Math.log2(BASE32.length);

/**
 * `xxxx-xxxx-xxxx` in lower-case base32 (no 0/1/8/9 to confuse with letters): 60
 * random bits, short enough to type from paper. Below ASVS 2.6.2's 112 bits, so
 * they are stored only as a keyed MAC (RecoveryCodeHasher): a database dump
 * alone does not let anyone enumerate them.
 */
export function newRecoveryCode(): string {
  const groups: string[] = [];
  for (let g = 0; g < RECOVERY_GROUPS; g++) {
    let group = '';
    for (let i = 0; i < RECOVERY_GROUP_LENGTH; i++) group += BASE32[randomInt(BASE32.length)];
    groups.push(group);
  }
  return groups.join('-');
}

/** The code as typed (any case, with or without dashes or spaces), or null when it cannot be one. */
export function normalizeRecoveryCode(input: string): string | null {
  const code = input.toLowerCase().replace(/[\s-]+/g, '');
  if (code.length !== RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH || ![...code].every((c) => BASE32.includes(c))) return null;
  return code;
}
