import { DomainError } from '../../common/errors/domain-error';
import type { IdentifierType } from '../../common/grpc/enums';

export type IdentifierKind = 'email' | 'phone';

export const EMAIL_MAX_LENGTH = 254;

// Stricter than the email_address domain of the core schema (so a value accepted here never
// fails the database check): one spelling per mailbox. An unquoted local part of RFC 5322
// atext in dot-separated runs, and a host name of at least
// two labels, without a trailing dot. Quoted local parts, `<...>`, IP literals and
// `example.com.` are refused: each names the same mailbox as a plain address, so accepting
// them would let a second account squat someone's address.
// ASCII atext, or any non-ASCII character (SMTPUTF8 local parts, RFC 6531); invisible ones are refused apart.
const ATEXT = "(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[^\\x00-\\x7F\\s])+";
const LABEL = '[\\p{L}\\p{N}](?:[\\p{L}\\p{N}\\p{M}-]{0,61}[\\p{L}\\p{N}\\p{M}])?';
const EMAIL_PATTERN = new RegExp(`^${ATEXT}(?:\\.${ATEXT})*@${LABEL}(?:\\.${LABEL})+$`, 'u');
const E164_PATTERN = /^\+[1-9][0-9]{6,14}$/;
// Control (Cc) and format (Cf) characters: invisible, so `ad\u200Bmin@x.com` or an
// address with a right-to-left override would look like another account's address.
// NUL among them, which PostgreSQL cannot store (an internal error instead of a validation one).
const INVISIBLE_CHARS = /[\p{Cc}\p{Cf}]/u;
const PHONE_SEPARATORS = /[\s\-().]/gu;

/**
 * The canonical form of a sign-in/sign-up identifier: emails trimmed and folded
 * (foldEmail), phones reduced to E.164. UNSPECIFIED means a leading '+' is a phone, anything else
 * an email. Throws VALIDATION_FAILED on `field`; the message never repeats the input.
 */
export function normalizeIdentifier(raw: string, type: IdentifierType, field = 'identifier'): { kind: IdentifierKind; value: string } {
  const trimmed = raw.trim();
  const kind: IdentifierKind =
    type === 'IDENTIFIER_TYPE_PHONE' || (type === 'IDENTIFIER_TYPE_UNSPECIFIED' && trimmed.startsWith('+')) ? 'phone' : 'email';
  return kind === 'email' ? { kind, value: normalizeEmail(trimmed, field) } : { kind, value: normalizePhone(trimmed, field) };
}

/**
 * One spelling per address, so look-alikes are one account (ASVS V5.1.4): Unicode NFKC
 * first (fullwidth `ａｄｍｉｎ＠ｅｘａｍｐｌｅ．ｃｏｍ`, ligatures and other compatibility
 * forms become their plain letters), then lower case (full Unicode, not only ASCII;
 * idempotent: folding a folded address changes nothing). Dots and `+tags` are kept:
 * whether they matter is the mail provider's business, and stripping them would merge
 * real, distinct mailboxes. Migration 1795300001000 folded the stored addresses.
 */
export function foldEmail(email: string): string {
  return email.normalize('NFKC').toLowerCase();
}

function normalizeEmail(trimmed: string, field: string): string {
  const value = foldEmail(trimmed);
  // Code points, as PostgreSQL's length() counts characters, not UTF-16 units.
  const valid =
    [...value].length <= EMAIL_MAX_LENGTH && EMAIL_PATTERN.test(value) && !INVISIBLE_CHARS.test(trimmed) && !INVISIBLE_CHARS.test(value);
  if (!valid) throw DomainError.validation([{ field, description: 'must be a valid email address' }]);
  return value;
}

function normalizePhone(trimmed: string, field: string): string {
  const value = trimmed.replace(PHONE_SEPARATORS, '');
  if (!E164_PATTERN.test(value)) {
    throw DomainError.validation([{ field, description: 'must be an E.164 phone number such as +14155550123' }]);
  }
  return value;
}
