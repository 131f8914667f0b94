import { createHash, randomInt } from 'node:crypto';
import { CODE_WORDS } from './code-words';

/** Words per code: 6 × log2(2010) ≈ 65.8 bits of entropy, past the 64 a code needs. */
export const CODE_WORD_COUNT = 6;

/** Only so much of a profile is searched (Roblox limits the About text to 1000 characters). */
const MAX_TEXT_LENGTH = 20_000;

/** Bits of entropy of one code. */
export function codeEntropyBits(): number {
  return CODE_WORD_COUNT * Math.log2(CODE_WORDS.length);
}

/** A fresh code (words drawn uniformly with the CSPRNG) and its SHA-256, the only form stored. */
export function newVerificationCode(): { code: string; hash: Buffer } {
  const words = Array.from({ length: CODE_WORD_COUNT }, () => CODE_WORDS[randomInt(CODE_WORDS.length)]);
  const code = words.join(' ');
  return { code, hash: hashWords(words) };
}

/** SHA-256 of a code's canonical form: its lower-case words joined by single spaces. */
export function hashVerificationCode(code: string): Buffer {
  return hashWords(wordsOf(code));
}

/**
 * The hash of every run of CODE_WORD_COUNT consecutive words in a profile text. The
 * code is found wherever it stands, whatever the case and the spaces, punctuation or
 * line breaks between its words; the stored hash is then looked for among these.
 */
export function candidateCodeHashes(text: string): Buffer[] {
  const words = wordsOf(text.slice(0, MAX_TEXT_LENGTH));
  const hashes = new Map<string, Buffer>();
  for (let i = 0; i + CODE_WORD_COUNT <= words.length; i++) {
    const hash = hashWords(words.slice(i, i + CODE_WORD_COUNT));
    hashes.set(hash.toString('hex'), hash);
  }
  return [...hashes.values()];
}

function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[a-z]+/g) ?? [];
}

function hashWords(words: readonly string[]): Buffer {
  return createHash('sha256').update(words.join(' ')).digest();
}
