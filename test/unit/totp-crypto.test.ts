import { randomBytes } from 'node:crypto';
import { generateSync } from 'otplib';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/app-config';
import { parseMfaKeys } from '../../src/config/mfa-keys';
import { SecretCipher } from '../../src/modules/totp/secret-cipher';
import {
  hashRecoveryCode, matchTotp, newRecoveryCode, newTotpSecret, normalizeRecoveryCode, provisioningUri,
} from '../../src/modules/totp/totp-codes';

const key = () => randomBytes(32).toString('base64');

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  return [];
}

const cipherWith = (keys: string) => new SecretCipher(loadConfig({ NODE_ENV: 'test', MFA_ENCRYPTION_KEY: keys }));

describe('MFA_ENCRYPTION_KEY', () => {
  it('accepts one bare base64 key as the key of kid "default", and names a bad one without its value', () => {
    const a = randomBytes(32);
    const [only] = parseMfaKeys(a.toString('base64'));
    expect(only.kid).toBe('default');
    expect(only.key.equals(a)).toBe(true);
    expect(parseMfaKeys(` ${a.toString('base64url')} `)[0].key.equals(a)).toBe(true);
    const short = randomBytes(16).toString('base64');
    const problems = problemsOf({ NODE_ENV: 'test', MFA_ENCRYPTION_KEY: short });
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
      const problems = problemsOf({ MFA_ENCRYPTION_KEY: value });
      expect(problems, value).toHaveLength(1);
      expect(problems[0]).toMatch(/^MFA_ENCRYPTION_KEY /);
      expect(problems[0]).not.toContain(good);
      expect(problems[0]).not.toContain(short);
    }
    expect(problemsOf({ MFA_ENCRYPTION_KEY: `k1:${good}` })).toEqual([]);
    expect(problemsOf({})).toEqual([]); // optional until someone enables TOTP
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
    expect(hashRecoveryCode('abcdefgh2345')).toHaveLength(32);
  });
});
