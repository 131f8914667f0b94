import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/common/errors/domain-error';
import { loadConfig } from '../../src/config/app-config';
import { PasswordPolicy, passwordViolations } from '../../src/modules/credentials/password-policy';

const descriptions = (password: string, identifier?: string, minLength = 8) =>
  passwordViolations(password, identifier, 'password', { minLength }).map((v) => v.description);

const COMMON = 'must not be a commonly used password (it is on a list of breached passwords)';

describe('passwordViolations', () => {
  it('accepts a password meeting every rule', () => {
    expect(passwordViolations('correct horse 9', 'user@example.com', 'password', { minLength: 8 })).toEqual([]);
  });

  it('requires at least the minimum of code points', () => {
    expect(descriptions('bq7wz4k')).toEqual(['must be at least 8 characters long']);
    expect(descriptions('bq7wz4kx')).toEqual([]);
    expect(descriptions('bq7wz4kx-rowan', undefined, 15)).toEqual(['must be at least 15 characters long']);
    expect(descriptions('bq7wz4kx-rowans', undefined, 15)).toEqual([]);
  });

  it('counts a run of white space as one character towards the minimum (ASVS 2.1.1), not towards the maximum', () => {
    expect(descriptions('ab      cd')).toEqual(['must be at least 8 characters long']);
    expect(descriptions('ab cd ef gh')).toEqual([]);
    expect(descriptions(`a${' '.repeat(128)}`)).toEqual(['must be at least 8 characters long', 'must be at most 128 characters long']);
  });

  it('counts code points, not UTF-16 units', () => {
    // 4 emoji are 8 UTF-16 units but 4 characters.
    expect(descriptions('a1😀😀😀😀')).toEqual(['must be at least 8 characters long']);
    expect(descriptions(`a1${'😀'.repeat(126)}`)).toEqual([]);
  });

  it('allows at most 128 code points', () => {
    expect(descriptions(`a1${'x'.repeat(126)}`)).toEqual([]);
    expect(descriptions(`a1${'x'.repeat(127)}`)).toEqual(['must be at most 128 characters long']);
  });

  it('has no composition rule: letters only, digits only and any script are fine (ASVS 2.1.9)', () => {
    expect(descriptions('quiet lantern orchard')).toEqual([]);
    expect(descriptions('58203917465028')).toEqual([]);
    expect(descriptions('пароль-тихий')).toEqual([]);
    expect(descriptions('🐢🌵🎻🚲🧭🪁🍋🦉')).toEqual([]);
  });

  it('refuses commonly used passwords, whatever their case and surrounding space', () => {
    for (const password of ['password1', 'iloveyou2', 'Password1', ' ILOVEYOU2 ', 'qwertyuiop', '1234567890', 'abcd1234']) {
      expect(descriptions(password), password).toEqual([COMMON]);
    }
  });

  it('reports a listed password shorter than a raised minimum twice: both rules are broken', () => {
    expect(descriptions('password1', undefined, 12)).toEqual(['must be at least 12 characters long', COMMON]);
  });

  it('rejects the identifier as password, ignoring case and surrounding space', () => {
    expect(descriptions(' User1@Example.com ', 'user1@example.com')).toEqual([
      'must not be the same as the email address or phone number',
    ]);
    expect(descriptions('user1@example.com', undefined)).toEqual([]);
  });

  it('reports every broken rule on the given field and never echoes the password', () => {
    const v = passwordViolations('?!', '?!', 'newPassword', { minLength: 8 });
    expect(v.map((x) => x.field)).toEqual(['newPassword', 'newPassword']);
    expect(v.map((x) => x.description)).toEqual([
      'must be at least 8 characters long',
      'must not be the same as the email address or phone number',
    ]);
    expect(JSON.stringify(passwordViolations('password1', undefined, 'p', { minLength: 8 }))).not.toContain('password1');
  });
});

describe('PasswordPolicy', () => {
  const policy = (env: Record<string, string> = {}) => new PasswordPolicy(loadConfig(env));

  it('throws AUTH_PASSWORD_POLICY with the violations', () => {
    let error: unknown;
    try {
      policy().assert('password', undefined);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    const d = error as DomainError;
    expect(d.code).toBe('AUTH_PASSWORD_POLICY');
    expect(d.kind).toBe('invalid');
    expect(d.message).toBe('Password does not meet the policy');
    expect(d.violations).toEqual([{ field: 'password', description: COMMON }]);
  });

  it('takes the minimum from PASSWORD_MIN_LENGTH (default 8)', () => {
    expect(policy().violations('rowboat-oak', undefined)).toEqual([]);
    expect(policy({ PASSWORD_MIN_LENGTH: '12' }).violations('rowboat-oak', undefined, 'newPassword')).toEqual([
      { field: 'newPassword', description: 'must be at least 12 characters long' },
    ]);
  });

  it('returns quietly for a good password', () => {
    expect(() => policy().assert('bq7wz4kx', 'someone@example.com')).not.toThrow();
  });
});
