import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/common/errors/domain-error';
import { foldEmail, normalizeIdentifier } from '../../src/modules/credentials/identifier';

const email = (raw: string, field?: string) => normalizeIdentifier(raw, 'IDENTIFIER_TYPE_EMAIL', field).value;

function violationsOf(raw: string, field?: string): unknown {
  try {
    normalizeIdentifier(raw, 'IDENTIFIER_TYPE_UNSPECIFIED', field);
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return (e as DomainError).violations;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be refused`);
}

describe('email folding: NFKC, then lower case', () => {
  it('maps fullwidth and other compatibility forms to the plain address', () => {
    expect(email('ａdmin@example.com')).toBe('admin@example.com');
    expect(email('ＡＤＭＩＮ＠ＥＸＡＭＰＬＥ．ＣＯＭ')).toBe('admin@example.com');
    expect(email('ﬁnance@example.com')).toBe('finance@example.com'); // U+FB01 ligature
    expect(email('𝐚𝐝𝐦𝐢𝐧@example.com')).toBe('admin@example.com'); // mathematical bold
    expect(email('ℌelp@example.com')).toBe('help@example.com'); // black-letter capital H: NFKC first, then lower case
    expect(email('admin@ｅxample.com')).toBe('admin@example.com');
  });

  it('composes decomposed accents, so both spellings of é are one address', () => {
    expect(email('e\u0301lodie@example.fr')).toBe('\u00e9lodie@example.fr');
    expect(email('\u00c9LODIE@example.fr')).toBe('\u00e9lodie@example.fr');
  });

  it('keeps dots and plus tags: they may be distinct mailboxes', () => {
    expect(email('First.Last+News@Example.com')).toBe('first.last+news@example.com');
    expect(email('firstlast@example.com')).not.toBe(email('first.last@example.com'));
  });

  it('is idempotent, for every code point', () => {
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const once = foldEmail(String.fromCodePoint(cp));
      if (foldEmail(once) !== once) throw new Error(`U+${cp.toString(16)} folds differently twice`);
    }
  });

  it.each([
    ['zero-width space', 'ad\u200Bmin@example.com'],
    ['zero-width non-joiner', 'ad\u200Cmin@example.com'],
    ['zero-width joiner', 'ad\u200Dmin@example.com'],
    ['word joiner', 'ad\u2060min@example.com'],
    ['byte order mark inside', 'ad\uFEFFmin@example.com'],
    ['right-to-left override', 'admin@\u202Eexample.com'],
    ['left-to-right mark', 'admin\u200E@example.com'],
    ['soft hyphen', 'ad\u00ADmin@example.com'],
    ['tag character', 'admin@example.com\u{E0041}'],
    ['control character', 'ad\u0007min@example.com'],
    ['DEL', 'ad\u007Fmin@example.com'],
    ['C1 control', 'ad\u0085min@example.com'],
  ])('refuses a %s as a field error naming the field', (_, raw) => {
    expect(violationsOf(raw)).toEqual([{ field: 'identifier', description: 'must be a valid email address' }]);
    expect(violationsOf(raw, 'email')).toEqual([{ field: 'email', description: 'must be a valid email address' }]);
  });

  it('trims surrounding white space as JavaScript defines it (a leading byte order mark included)', () => {
    expect(email('\uFEFF admin@example.com\r\n')).toBe('admin@example.com');
  });

  it('refuses what folds into an invalid address (a fullwidth at sign makes two)', () => {
    expect(violationsOf('a＠b@example.com')).toEqual([{ field: 'identifier', description: 'must be a valid email address' }]);
    expect(violationsOf('no\u00A0space@example.com')).toEqual([{ field: 'identifier', description: 'must be a valid email address' }]);
  });

  it('counts the length after folding', () => {
    const domain = '@example.com';
    // U+3392 (㎒) folds to the three letters "mhz".
    const local = 'a'.repeat(254 - domain.length - 3);
    expect(email(`${local}㎒${domain}`)).toBe(`${local}mhz${domain}`);
    expect(() => email(`a${local}㎒${domain}`)).toThrow(DomainError);
  });

  it('leaves phone numbers to their own rules', () => {
    expect(normalizeIdentifier('+1 415 555 0123', 'IDENTIFIER_TYPE_UNSPECIFIED')).toEqual({ kind: 'phone', value: '+14155550123' });
  });
});
