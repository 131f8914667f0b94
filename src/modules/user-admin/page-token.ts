import { DomainError } from '../../common/errors/domain-error';
import { isUuid } from '../../common/validation/uuid';

/**
 * ListUsers' `page_token`: the keyset cursor "after this user id", spelled as the
 * base64url (no padding) of the id's canonical text. A stream has no place for a
 * next_page_token, so a client pages by asking again with the token of the last
 * item it received. Tampering yields at most another position in the same list:
 * what a caller may see is decided by the filters, never by the token.
 */
export function encodePageToken(lastId: string): string {
  return Buffer.from(lastId.toLowerCase(), 'utf8').toString('base64url');
}

/** The id a page token stands for; anything that is not exactly what encodePageToken makes is INVALID_ARGUMENT. */
export function decodePageToken(token: string, field = 'pageToken'): string {
  const id = /^[A-Za-z0-9_-]{48}$/.test(token) ? Buffer.from(token, 'base64url').toString('utf8') : '';
  if (!isUuid(id) || encodePageToken(id) !== token) {
    throw DomainError.validation([{ field, description: 'is not a page token this service issued' }]);
  }
  return id;
}
