import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/common/errors/domain-error';
import { normalizeIdentifier, type IdentifierType } from '../../src/modules/credentials/identifier';

function failure(raw: string, type: IdentifierType, field?: string): DomainError {
  try {
    normalizeIdentifier(raw, type, field);
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return e as DomainError;
  }
  throw new Error('expected normalizeIdentifier to throw');
}

const EMAIL_ERROR = 'must be a valid email address';
const PHONE_ERROR = 'must be an E.164 phone number such as +14155550123';

describe('normalizeIdentifier: email', () => {
  it('trims and lower-cases', () => {
    expect(normalizeIdentifier('  Alice.Smith@Example.COM \n', 'IDENTIFIER_TYPE_EMAIL')).toEqual({
      kind: 'email',
      value: 'alice.smith@example.com',
    });
  });

  it('lower-cases non-ASCII letters as well', () => {
    expect(normalizeIdentifier('ÉLODIE@Exemple.FR', 'IDENTIFIER_TYPE_EMAIL').value).toBe('élodie@exemple.fr');
  });

  it.each([
    ['no at sign', 'alice.example.com'],
    ['two at signs', 'a@b@example.com'],
    ['no dot in the domain', 'alice@localhost'],
    ['inner whitespace', 'ali ce@example.com'],
    ['empty local part', '@example.com'],
    ['empty', '   '],
    ['a NUL character', 'al\u0000ice@example.com'],
  ])('rejects %s', (_, raw) => {
    const e = failure(raw, 'IDENTIFIER_TYPE_EMAIL');
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.violations).toEqual([{ field: 'identifier', description: EMAIL_ERROR }]);
  });

  it('allows 254 characters and rejects 255', () => {
    const domain = '@example.com';
    const at254 = 'a'.repeat(254 - domain.length) + domain;
    expect(normalizeIdentifier(at254, 'IDENTIFIER_TYPE_EMAIL').value).toBe(at254);
    expect(failure(`a${at254}`, 'IDENTIFIER_TYPE_EMAIL').violations[0].description).toBe(EMAIL_ERROR);
  });

  it('counts length in code points, as PostgreSQL does', () => {
    const domain = '@example.com';
    const local = '😀'.repeat(254 - domain.length); // 484 UTF-16 units, 254 characters
    expect(normalizeIdentifier(local + domain, 'IDENTIFIER_TYPE_EMAIL').value).toBe(local + domain);
  });

  it('validates a phone-looking value as an email when the type says email', () => {
    expect(failure('+14155550123', 'IDENTIFIER_TYPE_EMAIL').violations).toEqual([{ field: 'identifier', description: EMAIL_ERROR }]);
  });
});

describe('normalizeIdentifier: phone', () => {
  it.each([
    ['+14155550123', '+14155550123'],
    ['  +1 (415) 555-0123 ', '+14155550123'],
    ['+44.20.7946.0958', '+442079460958'],
    ['+4915112345', '+4915112345'],
  ])('normalises %j to %s', (raw, value) => {
    expect(normalizeIdentifier(raw, 'IDENTIFIER_TYPE_PHONE')).toEqual({ kind: 'phone', value });
  });

  it.each([
    ['no plus sign', '14155550123'],
    ['a leading zero', '+04155550123'],
    ['too short', '+123456'],
    ['too long', '+1234567890123456'],
    ['letters', '+1415555CALL'],
    ['a plus sign in the middle', '+1415+5550123'],
  ])('rejects %s', (_, raw) => {
    expect(failure(raw, 'IDENTIFIER_TYPE_PHONE').violations).toEqual([{ field: 'identifier', description: PHONE_ERROR }]);
  });

  it('accepts 7 to 15 digits', () => {
    expect(normalizeIdentifier('+1234567', 'IDENTIFIER_TYPE_PHONE').value).toBe('+1234567');
    expect(normalizeIdentifier('+123456789012345', 'IDENTIFIER_TYPE_PHONE').value).toBe('+123456789012345');
  });

  it('validates an email-looking value as a phone when the type says phone', () => {
    expect(failure('alice@example.com', 'IDENTIFIER_TYPE_PHONE').violations[0].description).toBe(PHONE_ERROR);
  });
});

describe('normalizeIdentifier: auto-detection and errors', () => {
  it('treats a leading + (after trimming) as a phone', () => {
    expect(normalizeIdentifier('  +1 415 555 0123', 'IDENTIFIER_TYPE_UNSPECIFIED')).toEqual({ kind: 'phone', value: '+14155550123' });
  });

  it('treats anything else as an email', () => {
    expect(normalizeIdentifier(' Bob@Example.com', 'IDENTIFIER_TYPE_UNSPECIFIED')).toEqual({ kind: 'email', value: 'bob@example.com' });
    expect(failure('14155550123', 'IDENTIFIER_TYPE_UNSPECIFIED').violations[0].description).toBe(EMAIL_ERROR);
  });

  it('names the given field and never echoes the input', () => {
    const e = failure('Secret Value@nowhere', 'IDENTIFIER_TYPE_UNSPECIFIED', 'email');
    expect(e.violations).toEqual([{ field: 'email', description: EMAIL_ERROR }]);
    expect(e.message).toBe('Invalid request: email');
    expect(JSON.stringify({ m: e.message, v: e.violations })).not.toMatch(/secret|nowhere/i);
  });
});
