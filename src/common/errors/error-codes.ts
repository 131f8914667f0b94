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
  AUTH_TOKEN_INVALID: 'unauthenticated',
  AUTH_SESSION_REVOKED: 'unauthenticated',
  AUTH_REFRESH_TOKEN_INVALID: 'unauthenticated',
  AUTH_ACCOUNT_INACTIVE: 'permission_denied',
  AUTH_PASSWORD_POLICY: 'invalid',
  AUTH_HASHER_BUSY: 'rate_limited',
  AUTH_LOCKED: 'rate_limited',
  AUTH_WRONG_PASSWORD: 'permission_denied',
  /** A sensitive change on a session whose last sign-in is older than REAUTH_MAX_AGE_MINUTES, without the password. */
  REAUTH_REQUIRED: 'precondition',
  SESSION_NOT_FOUND: 'not_found',
  USER_NOT_FOUND: 'not_found',
  // users administration + avatars
  /** An email, phone or Roblox user already in use by another account: sign-up and administration alike (UsersRepository). */
  USER_IDENTIFIER_TAKEN: 'already_exists',
  STORAGE_NOT_CONFIGURED: 'precondition',
  STORAGE_UNAVAILABLE: 'unavailable',
  AVATAR_NOT_UPLOADED: 'precondition',
  AVATAR_UPLOAD_MISMATCH: 'precondition',
  // email verification + recovery
  VERIFICATION_TOKEN_INVALID: 'invalid',
  VERIFICATION_TOKEN_EXPIRED: 'invalid',
  VERIFICATION_NO_EMAIL: 'precondition',
  VERIFICATION_ALREADY_DONE: 'precondition',
  RECOVERY_TOKEN_INVALID: 'invalid',
  RECOVERY_TOKEN_EXPIRED: 'invalid',
  // totp
  MFA_NOT_CONFIGURED: 'precondition',
  TOTP_ALREADY_ENABLED: 'precondition',
  TOTP_NOT_ENABLED: 'precondition',
  MFA_SETUP_TOKEN_INVALID: 'invalid',
  MFA_CHALLENGE_INVALID: 'unauthenticated',
  MFA_CODE_INVALID: 'permission_denied',
  // roblox identity
  ROBLOX_USER_NOT_FOUND: 'not_found',
  ROBLOX_USER_BANNED: 'permission_denied',
  ROBLOX_UNAVAILABLE: 'unavailable',
  ROBLOX_CODE_NOT_FOUND: 'precondition',
  ROBLOX_CODE_NOT_IN_PROFILE: 'precondition',
  ROBLOX_ALREADY_LINKED: 'already_exists',
  ROBLOX_ACCOUNT_HAS_LINK: 'precondition',
  ROBLOX_NOT_LINKED: 'not_found',
  ROBLOX_UNLINK_LAST_SIGN_IN: 'precondition',
  // oauth (social sign-in)
  /** The provider named in the request has no OAUTH_<PROVIDER>_CLIENT_ID configured. */
  OAUTH_PROVIDER_NOT_CONFIGURED: 'precondition',
  /** Unknown, expired or used state (or a state of another user's link flow). */
  OAUTH_STATE_INVALID: 'invalid',
  /** The provider refused the code, or its answer (ID token, user) did not validate. */
  OAUTH_CODE_INVALID: 'invalid',
  /** The provider timed out, failed (5xx) or was unreachable. */
  OAUTH_PROVIDER_UNAVAILABLE: 'unavailable',
  /** The provider identity is linked to another account. */
  OAUTH_IDENTITY_TAKEN: 'already_exists',
  /** An account uses the provider's email address and cannot be linked by it: sign in to it and link from there. */
  OAUTH_EMAIL_IN_USE: 'already_exists',
  /** The caller's account has another identity of this provider linked; unlink it first. */
  OAUTH_PROVIDER_HAS_LINK: 'precondition',
  OAUTH_NOT_LINKED: 'not_found',
  OAUTH_UNLINK_LAST_SIGN_IN: 'precondition',
  // portfolio
  PROFILE_NOT_FOUND: 'not_found',
  EXPERIENCE_NOT_FOUND: 'not_found',
  EXPERIENCE_TITLE_TAKEN: 'already_exists',
  EXPERIENCE_LIMIT_REACHED: 'precondition',
  SKILL_NOT_FOUND: 'not_found',
  SKILL_CATEGORY_NOT_FOUND: 'not_found',
  SKILL_ALREADY_EXISTS: 'already_exists',
  SKILL_LIMIT_REACHED: 'precondition',
  SKILL_CATEGORY_LIMIT_REACHED: 'precondition',
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof ERROR_KIND;
