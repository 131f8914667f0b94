import type { OAuthProviderName } from '../../config/oauth-config';

/** A started flow (oauth_flows), as GetOAuthUrl stores it and the exchange consumes it. */
export interface OAuthFlow {
  readonly provider: OAuthProviderName;
  readonly redirectUri: string;
  readonly codeVerifier: string;
  /** OpenID providers only. */
  readonly nonce: string | null;
  readonly stateData: string;
  /** The signed-in user who started it (a link flow), or null. */
  readonly userId: string | null;
  readonly expiresAt: Date;
}

/** Who the provider says the user is, after the code exchange and its checks. */
export interface ProviderIdentity {
  readonly provider: OAuthProviderName;
  /** The provider's stable user id (`sub` of the ID token, GitHub/Facebook user id). */
  readonly subject: string;
  /** Normalised address, or null when the provider gave none (or none we accept). */
  readonly email: string | null;
  /** True only when the provider asserts it verified the address. */
  readonly emailVerified: boolean;
  readonly displayName: string;
}

/** A linked identity (oauth_accounts). */
export interface LinkedIdentity {
  readonly provider: OAuthProviderName;
  readonly subject: string;
  readonly email: string | null;
  readonly linkedAt: Date;
}
