/** Proto enums by value name, in number order (index = wire number). */
export const IDENTIFIER_TYPE = ['IDENTIFIER_TYPE_UNSPECIFIED', 'IDENTIFIER_TYPE_EMAIL', 'IDENTIFIER_TYPE_PHONE'] as const;
export type IdentifierType = (typeof IDENTIFIER_TYPE)[number];

export const AUTH_STATUS = [
  'AUTH_STATUS_UNSPECIFIED', 'AUTH_STATUS_SUCCESS', 'AUTH_STATUS_MFA_REQUIRED', 'AUTH_STATUS_FAILED',
  'AUTH_STATUS_LOCKED', 'AUTH_STATUS_SUSPENDED', 'AUTH_STATUS_PENDING',
] as const;
export type AuthStatus = (typeof AUTH_STATUS)[number];

export const USER_ROLE = ['USER_ROLE_UNSPECIFIED', 'USER_ROLE_ADMIN', 'USER_ROLE_USER', 'USER_ROLE_GUEST'] as const;
export type UserRole = (typeof USER_ROLE)[number];

export const USER_STATUS = [
  'USER_STATUS_UNSPECIFIED', 'USER_STATUS_PENDING', 'USER_STATUS_ACTIVE', 'USER_STATUS_SUSPENDED', 'USER_STATUS_DELETED',
] as const;
export type UserStatus = (typeof USER_STATUS)[number];

export const MFA_METHOD = ['MFA_METHOD_UNSPECIFIED', 'MFA_METHOD_TOTP', 'MFA_METHOD_SMS', 'MFA_METHOD_EMAIL', 'MFA_METHOD_RECOVERY_CODE'] as const;
export type MfaMethod = (typeof MFA_METHOD)[number];

export const VERIFICATION_TYPE = ['VERIFICATION_TYPE_UNSPECIFIED', 'VERIFICATION_TYPE_EMAIL', 'VERIFICATION_TYPE_PHONE'] as const;
export type VerificationType = (typeof VERIFICATION_TYPE)[number];

export const OAUTH_PROVIDER = [
  'OAUTH_PROVIDER_UNSPECIFIED', 'OAUTH_PROVIDER_GOOGLE', 'OAUTH_PROVIDER_GITHUB', 'OAUTH_PROVIDER_MICROSOFT',
  'OAUTH_PROVIDER_APPLE', 'OAUTH_PROVIDER_FACEBOOK',
] as const;

/** Database role names and statuses as proto enum names (API.md: admin/user/guest). */
export function roleToProto(role: string): UserRole {
  switch (role) {
    case 'admin': return 'USER_ROLE_ADMIN';
    case 'user': return 'USER_ROLE_USER';
    case 'guest': return 'USER_ROLE_GUEST';
    default: return 'USER_ROLE_UNSPECIFIED';
  }
}

export function statusToProto(status: string): UserStatus {
  const name = `USER_STATUS_${status.toUpperCase()}`;
  return (USER_STATUS as readonly string[]).includes(name) ? (name as UserStatus) : 'USER_STATUS_UNSPECIFIED';
}
