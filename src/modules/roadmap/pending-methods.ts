/**
 * Contract methods whose capability has not been built yet. Each is bound on
 * both transports and answers UNIMPLEMENTED / 501 naming what is missing, so
 * clients get a clear answer instead of a bare "unknown method". A method
 * leaves this list when its module implements it.
 */
export interface PendingMethod {
  readonly service: 'AuthService' | 'UserService';
  readonly method: string;
  readonly capability: string;
  /** REST route of API.md / the seed contract, with `:params`; served under /v1 and /v2. */
  readonly http: { readonly verb: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; readonly path: string };
  readonly streaming?: boolean;
}

const OAUTH = 'OAuth sign-in (no issue scheduled)';
const EMAIL = 'email verification and password recovery';
const MFA = 'TOTP two-factor authentication';
const USERS = 'user administration';

export const PENDING_METHODS: readonly PendingMethod[] = [
  { service: 'AuthService', method: 'GetOAuthUrl', capability: OAUTH, http: { verb: 'POST', path: 'auth/oauth/url' } },
  { service: 'AuthService', method: 'ExchangeOAuthCode', capability: OAUTH, http: { verb: 'POST', path: 'auth/oauth/exchange' } },
  { service: 'AuthService', method: 'LinkOAuthProvider', capability: OAUTH, http: { verb: 'POST', path: 'auth/oauth/link' } },
  { service: 'AuthService', method: 'UnlinkOAuthProvider', capability: OAUTH, http: { verb: 'DELETE', path: 'auth/oauth/providers/:provider' } },
  { service: 'AuthService', method: 'ListLinkedProviders', capability: OAUTH, http: { verb: 'GET', path: 'auth/oauth/providers' } },
  { service: 'AuthService', method: 'RecoveryStart', capability: EMAIL, http: { verb: 'POST', path: 'auth/recovery/start' } },
  { service: 'AuthService', method: 'RecoveryConfirm', capability: EMAIL, http: { verb: 'POST', path: 'auth/recovery/confirm' } },
  { service: 'AuthService', method: 'RequestVerification', capability: EMAIL, http: { verb: 'POST', path: 'auth/verification/request' } },
  { service: 'AuthService', method: 'ConfirmVerification', capability: EMAIL, http: { verb: 'POST', path: 'auth/verification/confirm' } },
  { service: 'AuthService', method: 'VerifyMfa', capability: MFA, http: { verb: 'POST', path: 'auth/mfa/verify' } },
  { service: 'AuthService', method: 'GetMfaStatus', capability: MFA, http: { verb: 'GET', path: 'auth/mfa/status' } },
  { service: 'AuthService', method: 'SetupMfa', capability: MFA, http: { verb: 'POST', path: 'auth/mfa/setup' } },
  { service: 'AuthService', method: 'ConfirmMfaSetup', capability: MFA, http: { verb: 'POST', path: 'auth/mfa/setup/confirm' } },
  { service: 'AuthService', method: 'DisableMfa', capability: MFA, http: { verb: 'POST', path: 'auth/mfa/disable' } },
  { service: 'UserService', method: 'ListUsersInfo', capability: USERS, http: { verb: 'GET', path: 'users/info' }, streaming: true },
  { service: 'UserService', method: 'ListUsers', capability: USERS, http: { verb: 'GET', path: 'users' }, streaming: true },
  { service: 'UserService', method: 'CreateUser', capability: USERS, http: { verb: 'POST', path: 'users' } },
  { service: 'UserService', method: 'UpdateUser', capability: USERS, http: { verb: 'PATCH', path: 'users/:userId' } },
  { service: 'UserService', method: 'SetPassword', capability: USERS, http: { verb: 'PUT', path: 'users/:userId/password' } },
  { service: 'UserService', method: 'GetAvatarUploadUrl', capability: USERS, http: { verb: 'POST', path: 'users/:userId/avatar/upload-url' } },
  { service: 'UserService', method: 'ConfirmAvatarUpload', capability: USERS, http: { verb: 'POST', path: 'users/:userId/avatar/confirm' } },
  { service: 'UserService', method: 'DeleteAvatar', capability: USERS, http: { verb: 'DELETE', path: 'users/:userId/avatar' } },
];
