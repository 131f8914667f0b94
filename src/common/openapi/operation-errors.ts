import type { ErrorCode } from '../errors/error-codes';

/**
 * The domain errors each RPC's REST route can answer with, beyond what every route
 * of its kind answers (see error-responses.ts: validation, the guard's 401/403, the
 * rate limiter's 429, 500, 503). The OpenAPI document turns each code into the
 * response of its HTTP status, so a generated client types those errors.
 *
 * Kept by hand from the services; a test checks that every RPC with a REST route in
 * proto/ has an entry, so a new RPC cannot ship without its errors being considered.
 */
export const RPC_ERRORS: Readonly<Record<string, readonly ErrorCode[]>> = {
  // auth.v1 / auth.v2 AuthService
  'AuthService.Authenticate': ['AUTH_HASHER_BUSY'],
  'AuthService.RefreshTokens': ['AUTH_REFRESH_TOKEN_INVALID'],
  'AuthService.ValidateCredentials': ['AUTH_SESSION_REVOKED', 'AUTH_ACCOUNT_INACTIVE'],
  'AuthService.SignOut': [],
  'AuthService.SignUp': ['AUTH_PASSWORD_POLICY', 'USER_IDENTIFIER_TAKEN', 'AUTH_HASHER_BUSY'],
  'AuthService.VerifyMfa': ['MFA_CHALLENGE_INVALID', 'MFA_NOT_CONFIGURED'],
  'AuthService.GetOAuthUrl': ['OAUTH_PROVIDER_NOT_CONFIGURED', 'OAUTH_PROVIDER_UNAVAILABLE', 'AUTH_SESSION_REVOKED', 'AUTH_ACCOUNT_INACTIVE', 'REAUTH_REQUIRED'],
  'AuthService.ExchangeOAuthCode': ['OAUTH_STATE_INVALID', 'OAUTH_CODE_INVALID', 'OAUTH_PROVIDER_NOT_CONFIGURED', 'OAUTH_PROVIDER_UNAVAILABLE', 'OAUTH_EMAIL_IN_USE'],
  'AuthService.LinkOAuthProvider': [
    'OAUTH_STATE_INVALID', 'OAUTH_CODE_INVALID', 'OAUTH_PROVIDER_NOT_CONFIGURED', 'OAUTH_PROVIDER_UNAVAILABLE', 'OAUTH_IDENTITY_TAKEN',
    'OAUTH_PROVIDER_HAS_LINK', 'AUTH_ACCOUNT_INACTIVE', 'REAUTH_REQUIRED',
  ],
  'AuthService.UnlinkOAuthProvider': ['OAUTH_NOT_LINKED', 'OAUTH_UNLINK_LAST_SIGN_IN', 'AUTH_ACCOUNT_INACTIVE'],
  'AuthService.ListLinkedProviders': ['AUTH_ACCOUNT_INACTIVE'],
  'AuthService.RecoveryStart': [],
  'AuthService.RecoveryConfirm': [
    'RECOVERY_TOKEN_INVALID', 'RECOVERY_TOKEN_EXPIRED', 'AUTH_PASSWORD_POLICY', 'AUTH_ACCOUNT_INACTIVE', 'AUTH_HASHER_BUSY',
  ],
  'AuthService.ChangePassword': ['AUTH_WRONG_PASSWORD', 'AUTH_LOCKED', 'AUTH_PASSWORD_POLICY', 'AUTH_HASHER_BUSY'],
  'AuthService.RequestVerification': ['VERIFICATION_NO_EMAIL', 'VERIFICATION_ALREADY_DONE', 'NOT_IMPLEMENTED'],
  'AuthService.ConfirmVerification': ['VERIFICATION_TOKEN_INVALID', 'VERIFICATION_TOKEN_EXPIRED', 'AUTH_ACCOUNT_INACTIVE', 'NOT_IMPLEMENTED'],
  'AuthService.GetMfaStatus': [],
  'AuthService.SetupMfa': [
    'MFA_NOT_CONFIGURED', 'TOTP_ALREADY_ENABLED', 'REAUTH_REQUIRED', 'AUTH_WRONG_PASSWORD', 'AUTH_LOCKED', 'AUTH_HASHER_BUSY', 'NOT_IMPLEMENTED',
  ],
  'AuthService.ConfirmMfaSetup': ['MFA_SETUP_TOKEN_INVALID', 'TOTP_ALREADY_ENABLED', 'MFA_NOT_CONFIGURED'],
  'AuthService.DisableMfa': [
    'TOTP_NOT_ENABLED', 'AUTH_WRONG_PASSWORD', 'MFA_CODE_INVALID', 'AUTH_LOCKED', 'AUTH_HASHER_BUSY', 'MFA_NOT_CONFIGURED', 'NOT_IMPLEMENTED',
  ],
  'AuthService.ListSessions': [],
  'AuthService.RevokeSession': ['SESSION_NOT_FOUND'],
  'AuthService.RevokeOtherSessions': [],
  'AuthService.GetAccessTokenClaims': [],

  // users.v1 / users.v2 UserService
  'UserService.ListUsersInfo': [],
  'UserService.ListUsers': [],
  'UserService.CreateUser': ['USER_IDENTIFIER_TAKEN', 'AUTH_PASSWORD_POLICY', 'AUTH_HASHER_BUSY'],
  'UserService.UpdateUser': ['PERMISSION_DENIED', 'USER_NOT_FOUND', 'USER_IDENTIFIER_TAKEN'],
  'UserService.SetPassword': ['USER_NOT_FOUND', 'AUTH_PASSWORD_POLICY', 'AUTH_HASHER_BUSY'],
  'UserService.GetAvatarUploadUrl': ['PERMISSION_DENIED', 'USER_NOT_FOUND', 'STORAGE_NOT_CONFIGURED'],
  'UserService.ConfirmAvatarUpload': [
    'PERMISSION_DENIED', 'USER_NOT_FOUND', 'STORAGE_NOT_CONFIGURED', 'AVATAR_NOT_UPLOADED', 'AVATAR_UPLOAD_MISMATCH', 'STORAGE_UNAVAILABLE',
  ],
  'UserService.DeleteAvatar': ['PERMISSION_DENIED', 'USER_NOT_FOUND', 'STORAGE_NOT_CONFIGURED', 'STORAGE_UNAVAILABLE'],

  // roblox.v1 RobloxService
  'RobloxService.StartVerification': [],
  'RobloxService.SignUpWithRoblox': [
    'AUTH_PASSWORD_POLICY', 'ROBLOX_CODE_NOT_FOUND', 'ROBLOX_USER_NOT_FOUND', 'ROBLOX_USER_BANNED', 'ROBLOX_CODE_NOT_IN_PROFILE',
    'ROBLOX_UNAVAILABLE', 'ROBLOX_ALREADY_LINKED', 'AUTH_HASHER_BUSY',
  ],
  'RobloxService.SignInWithRoblox': [
    'ROBLOX_CODE_NOT_FOUND', 'ROBLOX_USER_NOT_FOUND', 'ROBLOX_USER_BANNED', 'ROBLOX_CODE_NOT_IN_PROFILE', 'ROBLOX_UNAVAILABLE', 'AUTH_HASHER_BUSY',
  ],
  'RobloxService.LinkRobloxAccount': [
    'ROBLOX_ACCOUNT_HAS_LINK', 'ROBLOX_CODE_NOT_FOUND', 'ROBLOX_USER_NOT_FOUND', 'ROBLOX_USER_BANNED', 'ROBLOX_CODE_NOT_IN_PROFILE',
    'ROBLOX_UNAVAILABLE', 'ROBLOX_ALREADY_LINKED',
  ],
  'RobloxService.UnlinkRobloxAccount': ['ROBLOX_NOT_LINKED', 'ROBLOX_UNLINK_LAST_SIGN_IN'],
  'RobloxService.GetRobloxIdentity': ['ROBLOX_NOT_LINKED'],

  // portfolio.v1 PortfolioService
  'PortfolioService.GetProfile': ['PROFILE_NOT_FOUND'],
  'PortfolioService.UpdateProfile': ['PROFILE_NOT_FOUND'],
  'PortfolioService.ListExperiences': ['PROFILE_NOT_FOUND'],
  'PortfolioService.CreateExperience': ['EXPERIENCE_LIMIT_REACHED', 'EXPERIENCE_TITLE_TAKEN'],
  'PortfolioService.UpdateExperience': ['EXPERIENCE_NOT_FOUND', 'EXPERIENCE_TITLE_TAKEN'],
  'PortfolioService.DeleteExperience': ['EXPERIENCE_NOT_FOUND'],
  'PortfolioService.ListSkills': ['PROFILE_NOT_FOUND'],
  'PortfolioService.AddSkill': ['SKILL_CATEGORY_LIMIT_REACHED', 'SKILL_ALREADY_EXISTS', 'SKILL_LIMIT_REACHED'],
  'PortfolioService.RemoveSkill': ['SKILL_CATEGORY_NOT_FOUND', 'SKILL_NOT_FOUND'],
  'PortfolioService.DeleteSkillCategory': ['SKILL_CATEGORY_NOT_FOUND'],
};
