import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { generateSync } from 'otplib';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/app-config';
import { configProblemsOf } from '../support/config-problems';
import { parseMfaKeys } from '../../src/config/mfa-keys';
import { RecoveryCodeHasher } from '../../src/modules/totp/recovery-code-hasher';
import { SecretCipher } from '../../src/modules/totp/secret-cipher';
import {
  matchTotp, newRecoveryCode, newTotpSecret, normalizeRecoveryCode, provisioningUri, RECOVERY_CODE_BITS,
} from '../../src/modules/totp/totp-codes';

const key = () => randomBytes(32).toString('base64');


const cipherWith = (keys: string) => new SecretCipher(loadConfig({ NODE_ENV: 'test', MFA_ENCRYPTION_KEY: keys }));

describe('MFA_ENCRYPTION_KEY', () => {
  it('accepts one bare base64 key as the key of kid "default", and names a bad one without its value', () => {
    const a = randomBytes(32);
    const [only] = parseMfaKeys(a.toString('base64'));
    expect(only.kid).toBe('default');
    expect(only.key.equals(a)).toBe(true);
    expect(parseMfaKeys(` ${a.toString('base64url')} `)[0].key.equals(a)).toBe(true);
    const short = randomBytes(16).toString('base64');
    const problems = configProblemsOf({ NODE_ENV: 'test', MFA_ENCRYPTION_KEY: short });
    expect(problems.join('\n')).toContain('MFA_ENCRYPTION_KEY');
    expect(problems.join('\n')).not.toContain(short);
    const cipher = cipherWith(a.toString('base64'));
    expect(cipherWith(`new:${key()},default:${a.toString('base64')}`).decrypt(cipher.encrypt('JBSWY3DPEHPK3PXP', 'u1'), 'u1')).toBe('JBSWY3DPEHPK3PXP');
  });

  it('accepts kid:base64key entries, newest first, standard or URL-safe base64', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const keys = parseMfaKeys(` new:${a.toString('base64url')} , old:${b.toString('base64')}`);
    expect(keys.map((k) => k.kid)).toEqual(['new', 'old']);
    expect(keys[0].key.equals(a)).toBe(true);
    expect(keys[1].key.equals(b)).toBe(true);
  });

  it('names MFA_ENCRYPTION_KEY for a bad format, a short key (bare or with a kid) or a repeated kid, and never prints the value', () => {
    const short = randomBytes(16).toString('base64');
    const good = key();
    for (const value of [short, `k1:${short}`, `k1:${good},k1:${key()}`, `bad kid:${good}`]) {
      const problems = configProblemsOf({ MFA_ENCRYPTION_KEY: value });
      expect(problems, value).toHaveLength(1);
      expect(problems[0]).toMatch(/^MFA_ENCRYPTION_KEY /);
      expect(problems[0]).not.toContain(good);
      expect(problems[0]).not.toContain(short);
    }
    expect(configProblemsOf({ MFA_ENCRYPTION_KEY: `k1:${good}` })).toEqual([]);
    expect(configProblemsOf({})).toEqual([]); // optional until someone enables TOTP
  });
});

describe('SecretCipher', () => {
  it('writes with the newest key, reads with any listed key by kid, and binds a ciphertext to its user', () => {
    const oldKey = `old:${key()}`;
    const before = cipherWith(oldKey);
    const stored = before.encrypt('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 'user-1');
    expect(stored.keyId).toBe('old');
    expect(stored.ciphertext.includes(Buffer.from('JBSWY3DP'))).toBe(false);

    const rotated = cipherWith(`new:${key()},${oldKey}`);
    expect(rotated.decrypt(stored, 'user-1')).toBe('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
    expect(rotated.encrypt('x', 'user-1').keyId).toBe('new');
    expect(() => rotated.decrypt(stored, 'user-2')).toThrow();

    const tampered = { ...stored, ciphertext: Buffer.from(stored.ciphertext) };
    tampered.ciphertext[tampered.ciphertext.length - 1] ^= 1;
    expect(() => rotated.decrypt(tampered, 'user-1')).toThrow();

    const dropped = cipherWith(`new:${key()}`);
    expect(() => dropped.decrypt(stored, 'user-1')).toThrow(/MFA is not configured/);
  });

  it('refuses to encrypt without a key', () => {
    const none = new SecretCipher(loadConfig({ NODE_ENV: 'test' }));
    expect(none.configured).toBe(false);
    expect(() => none.encrypt('x', 'u')).toThrow('MFA is not configured on this server');
  });
});

describe('TOTP and recovery codes', () => {
  it('matches codes one step either side and reports the step', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const now = new Date('2030-01-01T00:00:10Z');
    const at = (steps: number) => generateSync({ secret, epoch: now.getTime() / 1000 + steps * 30 });
    const step = Math.floor(now.getTime() / 30_000);
    expect(matchTotp(secret, at(0), now)).toBe(step);
    expect(matchTotp(secret, at(-1), now)).toBe(step - 1);
    expect(matchTotp(secret, at(1), now)).toBe(step + 1);
    expect(matchTotp(secret, at(2), now)).toBeNull();
    expect(matchTotp(secret, at(-2), now)).toBeNull();
    expect(matchTotp(secret, `${at(0).slice(0, 3)} ${at(0).slice(3)}`, now)).toBe(step);
    expect(matchTotp(secret, 'abcdef', now)).toBeNull();
    expect(matchTotp(secret, '1234567', now)).toBeNull();
  });

  it('builds the provisioning URI with issuer and account', () => {
    expect(provisioningUri('Acme', 'ada@example.com', 'ABC')).toBe('otpauth://totp/Acme:ada%40example.com?secret=ABC&issuer=Acme');
  });

  it('makes 60-bit recovery codes and normalises what users type', () => {
    const codes = Array.from({ length: 200 }, newRecoveryCode);
    expect(new Set(codes).size).toBe(200);
    for (const c of codes) expect(c).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
    expect(normalizeRecoveryCode(' ABCD-efgh 2345 ')).toBe('abcdefgh2345');
    expect(normalizeRecoveryCode('abcd-efgh-234')).toBeNull();
    expect(normalizeRecoveryCode('abcd-efgh-2341')).toBeNull(); // 1 is not base32
  });

  it('draws every character uniformly from 32 symbols: 60 bits a code', () => {
    expect(RECOVERY_CODE_BITS).toBe(60);
    const counts = new Map<string, number>();
    const n = 4000;
    for (let i = 0; i < n; i++) for (const c of normalizeRecoveryCode(newRecoveryCode())!) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect([...counts.keys()].sort().join('')).toBe('234567abcdefghijklmnopqrstuvwxyz');
    // 48,000 draws, 1,500 expected per symbol (sd about 38): a biased generator lands far outside.
    for (const [c, k] of counts) expect(Math.abs(k - 1500), c).toBeLessThan(250);
  });
});

describe('RecoveryCodeHasher', () => {
  const hasherWith = (keys: string) => new RecoveryCodeHasher(loadConfig({ NODE_ENV: 'test', MFA_ENCRYPTION_KEY: keys }));
  const code = 'abcdefgh2345';

  it('stores HMAC-SHA-256(user id, code) under an HKDF key of the newest MFA key, never the plain SHA-256', () => {
    const raw = randomBytes(32);
    const stored = hasherWith(`new:${raw.toString('base64')},old:${key()}`).forStorage('user-1', code);
    expect(stored.scheme).toBe('hmac-sha256');
    expect(stored.keyId).toBe('new');
    const macKey = Buffer.from(hkdfSync('sha256', raw, Buffer.alloc(0), 'auth-service/mfa-recovery-code/hmac-sha256/v1', 32));
    expect(stored.hash.equals(createHmac('sha256', macKey).update(`user-1\u0000${code}`).digest())).toBe(true);
    expect(stored.hash.equals(createHash('sha256').update(code).digest())).toBe(false);
    // Not the AES key itself, and bound to the user.
    expect(stored.hash.equals(createHmac('sha256', raw).update(`user-1\u0000${code}`).digest())).toBe(false);
    expect(hasherWith(`new:${raw.toString('base64')}`).forStorage('user-2', code).hash.equals(stored.hash)).toBe(false);
  });

  it('offers a candidate per configured key and the legacy SHA-256, so rotated and old rows still match', () => {
    const oldKey = `old:${key()}`;
    const before = hasherWith(oldKey).forStorage('u', code);
    const candidates = hasherWith(`new:${key()},${oldKey}`).candidates('u', code);
    expect(candidates.map((c) => [c.scheme, c.keyId])).toEqual([['hmac-sha256', 'new'], ['hmac-sha256', 'old'], ['sha256', null]]);
    expect(candidates[1].hash.equals(before.hash)).toBe(true);
    expect(candidates[2].hash.equals(createHash('sha256').update(code).digest())).toBe(true);
  });

  it('refuses to store without a key, but still matches legacy rows', () => {
    const none = new RecoveryCodeHasher(loadConfig({ NODE_ENV: 'test' }));
    expect(() => none.forStorage('u', code)).toThrow('MFA is not configured on this server');
    expect(none.candidates('u', code).map((c) => c.scheme)).toEqual(['sha256']);
  });
});

describe('REAUTH_MAX_AGE_MINUTES', () => {
  it('defaults to 10 minutes and names a bad value without printing it', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).sessions.reauthMaxAgeMinutes).toBe(10);
    expect(loadConfig({ NODE_ENV: 'test', REAUTH_MAX_AGE_MINUTES: '3' }).sessions.reauthMaxAgeMinutes).toBe(3);
    for (const bad of ['0', 'soon', '100000']) {
      const problems = configProblemsOf({ REAUTH_MAX_AGE_MINUTES: bad });
      expect(problems, bad).toHaveLength(1);
      expect(problems[0]).toMatch(/^REAUTH_MAX_AGE_MINUTES /);
    }
  });
});
