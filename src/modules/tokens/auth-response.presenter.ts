import { roleToProto, statusToProto } from '../../common/grpc/enums';
import type { Principal } from '../../common/auth/principal';
import type { Wire } from '../../common/grpc/wire';
import type { UserRecord } from '../users/user.model';
import { presentRobloxLink } from '../users/users.presenter';
import { AUTH_FAILED_MESSAGE, type AuthOutcome, type IssuedTokens } from './auth-outcome.model';

/** auth.v1.UserSnapshot */
export function presentUserSnapshot(user: UserRecord, wire: Wire): Record<string, unknown> {
  return {
    userId: wire.uuid(user.id),
    displayName: user.displayName,
    email: user.email ?? '',
    phone: user.phone ?? '',
    role: roleToProto(user.role),
    status: statusToProto(user.status),
    emailVerified: user.emailVerified,
    phoneVerified: user.phoneVerified,
    mfaEnabled: user.mfaEnabled,
    linkedProviders: user.linkedProviders.map((p) => `OAUTH_PROVIDER_${p.toUpperCase()}`),
    avatarUrl: user.avatarUrl ?? '',
    hasPassword: user.passwordHash !== null,
    ...presentRobloxLink(user),
  };
}

/** auth.v1.GetAccessTokenClaimsResponse: the verified token's own claims, nothing read from the database. */
export function presentAccessTokenClaims(p: Principal, wire: Wire): Record<string, unknown> {
  return {
    userId: wire.uuid(p.userId),
    sessionId: wire.uuid(p.sessionId),
    role: roleToProto(p.role),
    deviceId: p.deviceId,
    installationId: wire.uuid(p.installationId),
    issuedAt: wire.time(p.tokenIssuedAt),
    expiresAt: wire.time(p.tokenExpiresAt),
  };
}

/** auth.v1.TokenPair; expires_at is the access token's expiry. */
export function presentTokenPair(tokens: IssuedTokens, wire: Wire): Record<string, unknown> {
  return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAt: wire.time(tokens.expiresAt) };
}

const MESSAGES: Record<AuthOutcome['status'], string> = {
  SUCCESS: 'Signed in',
  FAILED: AUTH_FAILED_MESSAGE,
  LOCKED: 'Too many failed attempts; try again later',
  SUSPENDED: 'The account is suspended',
  PENDING: 'Check your inbox to verify the account before signing in',
  MFA_REQUIRED: 'Enter a code from your authenticator app or a recovery code',
};

/** auth.v1.AuthResponse */
export function presentAuthResponse(outcome: AuthOutcome, wire: Wire): Record<string, unknown> {
  const response: Record<string, unknown> = { status: `AUTH_STATUS_${outcome.status}`, message: MESSAGES[outcome.status] };
  if (outcome.status === 'SUCCESS') {
    response.tokens = presentTokenPair(outcome.tokens, wire);
    response.user = presentUserSnapshot(outcome.user, wire);
  }
  if (outcome.status === 'MFA_REQUIRED') {
    response.mfaChallenge = {
      challengeToken: outcome.challenge.challengeToken,
      availableMethods: outcome.challenge.availableMethods.map((m) => ({ ...m })),
      expiresAt: wire.time(outcome.challenge.expiresAt),
    };
  }
  if (outcome.status === 'LOCKED') {
    response.lockoutInfo = {
      retryAfter: wire.duration(outcome.lockout.retryAfterSeconds),
      failedAttempts: outcome.lockout.failedAttempts,
      maxAttempts: outcome.lockout.maxAttempts,
      lockedUntil: wire.time(outcome.lockout.lockedUntil),
    };
  }
  return response;
}
