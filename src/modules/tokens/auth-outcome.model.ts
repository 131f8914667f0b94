import type { MfaMethod } from '../../common/grpc/enums';
import type { LockoutDetails } from '../credentials/lockout.model';
import type { UserRecord } from '../users/user.model';

export interface IssuedTokens {
  readonly accessToken: string;
  /** The access token's expiry (TokenPair.expires_at). */
  readonly expiresAt: Date;
  readonly refreshToken: string;
}

/** A second factor still to answer (AuthResponse.mfa_challenge): VerifyMfa takes the token. */
export interface MfaChallengeDetails {
  readonly challengeToken: string;
  readonly expiresAt: Date;
  readonly availableMethods: readonly { readonly method: MfaMethod; readonly hint: string; readonly isDefault: boolean }[];
}

/** What a sign-in-like call (Authenticate, SignUp...) ends in, before any transport shapes it. */
export type AuthOutcome =
  | { readonly status: 'SUCCESS'; readonly tokens: IssuedTokens; readonly user: UserRecord }
  | { readonly status: 'FAILED' }
  | { readonly status: 'LOCKED'; readonly lockout: LockoutDetails }
  | { readonly status: 'SUSPENDED' }
  | { readonly status: 'PENDING' }
  | { readonly status: 'MFA_REQUIRED'; readonly challenge: MfaChallengeDetails };

/** One message for every failure, so the answer tells nothing about which check failed. */
export const AUTH_FAILED_MESSAGE = 'Invalid credentials';
