import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BIP39_ENGLISH, CODE_WORDS } from '../../src/modules/roblox-verification/code-words';
import { isRobloxUserId } from '../../src/modules/roblox-verification/dto/roblox-user-id.field';
import { retryAfterOf } from '../../src/modules/roblox-verification/roblox-users.api';
import {
  CODE_WORD_COUNT, candidateCodeHashes, codeEntropyBits, hashVerificationCode, newVerificationCode,
} from '../../src/modules/roblox-verification/verification-code';
import { hashVerificationId, newVerificationId, VERIFICATION_ID_PATTERN } from '../../src/modules/roblox-verification/verification-id';

describe('Roblox verification codes', () => {
  it('draws six distinct-looking words from a list of over 1626 words: at least 64 bits', () => {
    expect(BIP39_ENGLISH).toHaveLength(2048);
    expect(new Set(CODE_WORDS).size).toBe(CODE_WORDS.length);
    expect(CODE_WORDS.length).toBeGreaterThan(2000);
    for (const w of CODE_WORDS) expect(w).toMatch(/^[a-z]{3,8}$/);
    expect(CODE_WORDS).not.toContain('gun');
    expect(codeEntropyBits()).toBeGreaterThanOrEqual(64);
    const codes = new Set(Array.from({ length: 200 }, () => newVerificationCode().code));
    expect(codes.size).toBe(200);
    for (const code of codes) {
      const words = code.split(' ');
      expect(words).toHaveLength(CODE_WORD_COUNT);
      for (const w of words) expect(CODE_WORDS).toContain(w);
    }
  });

  it('stores the SHA-256 of the canonical code', () => {
    const { code, hash } = newVerificationCode();
    expect(hash.equals(createHash('sha256').update(code).digest())).toBe(true);
    expect(hashVerificationCode(`  ${code.toUpperCase().replace(/ /g, ' -\n')} `).equals(hash)).toBe(true);
  });

  it('finds the code anywhere in a profile text, whatever the case and separators, and only all six words in order', () => {
    const { code, hash } = newVerificationCode();
    const found = (text: string) => candidateCodeHashes(text).some((h) => h.equals(hash));
    expect(found(code)).toBe(true);
    expect(found(`I make games!\n\nVerify: ${code.replace(/ /g, ', ').toUpperCase()}. Bye`)).toBe(true);
    expect(found(`prefix words ${code.split(' ').join('-')}`)).toBe(true);
    const words = code.split(' ');
    expect(found(words.slice(0, 5).join(' '))).toBe(false);
    expect(found([...words.slice(1), words[0]].join(' '))).toBe(false);
    expect(found(words.join('x'))).toBe(false);
    expect(found('')).toBe(false);
  });

  it('draws 256-bit verification ids (base64url) and stores only their SHA-256', () => {
    const ids = Array.from({ length: 200 }, () => newVerificationId());
    expect(new Set(ids.map((v) => v.verificationId)).size).toBe(200);
    for (const { verificationId, hash } of ids) {
      expect(verificationId).toMatch(VERIFICATION_ID_PATTERN);
      expect(Buffer.from(verificationId, 'base64url')).toHaveLength(32);
      expect(hash.equals(createHash('sha256').update(verificationId).digest())).toBe(true);
      expect(hashVerificationId(verificationId).equals(hash)).toBe(true);
    }
  });

  it('accepts only positive canonical int64 ids', () => {
    for (const ok of ['1', '123456789', '9223372036854775807']) expect(isRobloxUserId(ok), ok).toBe(true);
    for (const bad of ['0', '-1', '01', '9223372036854775808', '1e3', ' 1', '', 1]) expect(isRobloxUserId(bad), String(bad)).toBe(false);
  });

  it('reads Retry-After as seconds or an HTTP date, bounded', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(retryAfterOf('17', now)).toBe(17);
    expect(retryAfterOf('0', now)).toBe(1);
    expect(retryAfterOf('999999', now)).toBe(3600);
    expect(retryAfterOf('Tue, 01 Jan 2030 00:01:30 GMT', now)).toBe(90);
    expect(retryAfterOf('soon', now)).toBeNull();
    expect(retryAfterOf(null, now)).toBeNull();
  });
});
