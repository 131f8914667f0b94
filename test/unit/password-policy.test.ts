import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/common/errors/domain-error';
import { assertPasswordPolicy, passwordViolations } from '../../src/modules/auth/password-policy';

const descriptions = (password: string, identifier?: string) =>
  passwordViolations(password, identifier, 'password').map((v) => v.description);

describe('passwordViolations', () => {
  it('accepts a password meeting every rule', () => {
    expect(passwordViolations('correct horse 9', 'user@example.com', 'password')).toEqual([]);
  });

  it('requires at least 8 code points', () => {
    expect(descriptions('abc1234')).toEqual(['must be at least 8 characters long']);
    expect(descriptions('abcd1234')).toEqual([]);
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

  it('requires a Unicode letter', () => {
    expect(descriptions('12345678')).toEqual(['must contain at least one letter']);
    expect(descriptions('пароль12')).toEqual([]);
  });

  it('requires a decimal digit, any script', () => {
    expect(descriptions('abcdefgh')).toEqual(['must contain at least one digit']);
    expect(descriptions('abcdefg٣')).toEqual([]);
  });

  it('rejects the identifier as password, ignoring case and surrounding space', () => {
    expect(descriptions(' User1@Example.com ', 'user1@example.com')).toEqual([
      'must not be the same as the email address or phone number',
    ]);
    expect(descriptions('user1@example.com', undefined)).toEqual([]);
  });

  it('reports every broken rule on the given field and never echoes the password', () => {
    const v = passwordViolations('?!', undefined, 'newPassword');
    expect(v.map((x) => x.field)).toEqual(['newPassword', 'newPassword', 'newPassword']);
    expect(v.map((x) => x.description)).toEqual([
      'must be at least 8 characters long',
      'must contain at least one letter',
      'must contain at least one digit',
    ]);
    expect(JSON.stringify(v)).not.toContain('?!');
  });
});

describe('assertPasswordPolicy', () => {
  it('throws AUTH_PASSWORD_POLICY with the violations', () => {
    let error: unknown;
    try {
      assertPasswordPolicy('short', undefined);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    const d = error as DomainError;
    expect(d.code).toBe('AUTH_PASSWORD_POLICY');
    expect(d.kind).toBe('invalid');
    expect(d.message).toBe('Password does not meet the policy');
    expect(d.violations).toEqual([
      { field: 'password', description: 'must be at least 8 characters long' },
      { field: 'password', description: 'must contain at least one digit' },
    ]);
  });

  it('returns quietly for a good password', () => {
    expect(() => assertPasswordPolicy('abcd1234', 'someone@example.com')).not.toThrow();
  });
});
