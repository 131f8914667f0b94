import type { ErrorKind } from './error-kinds';

/**
 * The one error vocabulary: every code a service may throw, with its kind.
 * Codes are stable identifiers clients may branch on (sent as `error-code`
 * metadata on gRPC and in an ErrorInfo detail on REST); messages are for humans.
 */
export const ERROR_KIND = {
  // common
  VALIDATION_FAILED: 'invalid',
  UNAUTHENTICATED: 'unauthenticated',
  PERMISSION_DENIED: 'permission_denied',
  NOT_FOUND: 'not_found',
  RATE_LIMITED: 'rate_limited',
  NOT_IMPLEMENTED: 'unimplemented',
  SERVICE_UNAVAILABLE: 'unavailable',
  INTERNAL: 'internal',
  // auth + sessions
  AUTH_INVALID_CREDENTIALS: 'unauthenticated',
  AUTH_TOKEN_INVALID: 'unauthenticated',
  AUTH_SESSION_REVOKED: 'unauthenticated',
  AUTH_REFRESH_TOKEN_INVALID: 'unauthenticated',
  AUTH_ACCOUNT_INACTIVE: 'permission_denied',
  AUTH_IDENTIFIER_TAKEN: 'already_exists',
  AUTH_PASSWORD_POLICY: 'invalid',
  AUTH_HASHER_BUSY: 'rate_limited',
  AUTH_LOCKED: 'rate_limited',
  AUTH_WRONG_PASSWORD: 'permission_denied',
  SESSION_NOT_FOUND: 'not_found',
  USER_NOT_FOUND: 'not_found',
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof ERROR_KIND;
