import { createPrivateKey } from 'node:crypto';
import type { EnvReader } from './env-reader';
import type { Secret } from './secret';

/** The providers, by their oauth_accounts name; the contract's enum is OAUTH_PROVIDER_<NAME upper-cased>. */
export const OAUTH_PROVIDER_NAMES = ['google', 'github', 'microsoft', 'apple', 'facebook', 'oidc'] as const;
export type OAuthProviderName = (typeof OAUTH_PROVIDER_NAMES)[number];

/** OpenID Connect providers (discovery, ID token); the others are plain OAuth 2.0 with a user API. */
export const OPENID_PROVIDERS: ReadonlySet<OAuthProviderName> = new Set(['google', 'microsoft', 'apple', 'oidc']);

export interface OAuthProviderConfig {
  readonly name: OAuthProviderName;
  readonly clientId: string;
  /** Unset for Apple, whose client secret is a JWT signed with `appleKey`. */
  readonly clientSecret?: Secret;
  /** OpenID providers: the issuer discovered at {issuer}/.well-known/openid-configuration. GitHub/Facebook: the base of the authorize (and GitHub's token) endpoint. */
  readonly issuer: string;
  /** GitHub/Facebook: the base URL of the user API (and Facebook's token endpoint). */
  readonly apiUrl?: string;
  /** Exact allowlist of redirect URIs for this provider. */
  readonly redirectUris: readonly string[];
  /** Apple: Sign in with Apple's team, key id and ES256 private key (PKCS#8 PEM). */
  readonly apple?: { readonly teamId: string; readonly keyId: string; readonly privateKey: Secret };
}

export interface OAuthConfig {
  readonly providers: Readonly<Partial<Record<OAuthProviderName, OAuthProviderConfig>>>;
  readonly flowTtlMinutes: number;
  /** Bound on every call to a provider (discovery, token, JWKS, user API). */
  readonly httpTimeoutMs: number;
  /** Non-production only: http:// issuers are allowed (tests, a local Keycloak). */
  readonly allowInsecureHttp: boolean;
}

const DEFAULT_ISSUER: Readonly<Record<OAuthProviderName, string | undefined>> = {
  google: 'https://accounts.google.com',
  microsoft: 'https://login.microsoftonline.com/common/v2.0',
  apple: 'https://appleid.apple.com',
  github: 'https://github.com',
  facebook: 'https://www.facebook.com',
  oidc: undefined,
};

const DEFAULT_API: Readonly<Partial<Record<OAuthProviderName, string>>> = {
  github: 'https://api.github.com',
  facebook: 'https://graph.facebook.com',
};

/**
 * A redirect URI must be an absolute URL without query or fragment, written in its
 * normalised form: the token request sends it back exactly as the authorization request did.
 */
function redirectUriProblem(name: string, uris: readonly string[]): string | undefined {
  for (const uri of uris) {
    try {
      const u = new URL(uri);
      if (u.search || u.hash || u.href !== uri) return `${name} entries must be absolute URLs in normalised form without query or fragment`;
    } catch {
      return `${name} entries must be absolute URLs`;
    }
  }
  return undefined;
}

/** OAUTH_* variables; a provider is configured when its OAUTH_<NAME>_CLIENT_ID is set. */
export function readOAuthConfig(r: EnvReader, production: boolean): OAuthConfig {
  const allowInsecureHttp = r.bool('OAUTH_ALLOW_INSECURE_HTTP', false);
  if (allowInsecureHttp && production) r.problems.push('OAUTH_ALLOW_INSECURE_HTTP must not be set in production');
  const scheme = allowInsecureHttp ? ['http', 'https'] : ['https'];
  const globalUris = r.list('OAUTH_REDIRECT_URIS');
  const problem = redirectUriProblem('OAUTH_REDIRECT_URIS', globalUris);
  if (problem) r.problems.push(problem);

  const providers: Partial<Record<OAuthProviderName, OAuthProviderConfig>> = {};
  for (const name of OAUTH_PROVIDER_NAMES) {
    const prefix = `OAUTH_${name.toUpperCase()}`;
    const clientId = r.str(`${prefix}_CLIENT_ID`);
    if (!clientId) continue;
    const issuer = r.url(`${prefix}_ISSUER`, scheme, DEFAULT_ISSUER[name]);
    if (!issuer) {
      if (!DEFAULT_ISSUER[name] && r.str(`${prefix}_ISSUER`) === undefined) r.problems.push(`${prefix}_ISSUER is required with ${prefix}_CLIENT_ID`);
      continue;
    }
    const ownUris = r.list(`${prefix}_REDIRECT_URIS`);
    const ownProblem = redirectUriProblem(`${prefix}_REDIRECT_URIS`, ownUris);
    if (ownProblem) r.problems.push(ownProblem);
    const redirectUris = ownUris.length ? ownUris : globalUris;
    if (!redirectUris.length) r.problems.push(`OAUTH_REDIRECT_URIS (or ${prefix}_REDIRECT_URIS) is required with ${prefix}_CLIENT_ID`);
    const apiUrl = DEFAULT_API[name] ? r.url(`${prefix}_API_URL`, scheme, DEFAULT_API[name]) : undefined;
    if (name === 'apple') {
      const teamId = r.str('OAUTH_APPLE_TEAM_ID');
      const keyId = r.str('OAUTH_APPLE_KEY_ID');
      const privateKey = r.secret('OAUTH_APPLE_PRIVATE_KEY');
      if (!teamId || !keyId || !privateKey) {
        r.problems.push('OAUTH_APPLE_TEAM_ID, OAUTH_APPLE_KEY_ID and OAUTH_APPLE_PRIVATE_KEY(_FILE) are required with OAUTH_APPLE_CLIENT_ID');
        continue;
      }
      if (!isP256Key(privateKey.reveal())) r.problems.push('OAUTH_APPLE_PRIVATE_KEY must be a PEM EC P-256 private key (the .p8 file from Apple)');
      providers.apple = { name, clientId, issuer, redirectUris, apple: { teamId, keyId, privateKey } };
      continue;
    }
    const clientSecret = r.secret(`${prefix}_CLIENT_SECRET`);
    if (!clientSecret) r.problems.push(`${prefix}_CLIENT_SECRET (or ${prefix}_CLIENT_SECRET_FILE) is required with ${prefix}_CLIENT_ID`);
    providers[name] = { name, clientId, clientSecret, issuer, apiUrl, redirectUris };
  }
  return {
    providers,
    flowTtlMinutes: r.int('OAUTH_FLOW_TTL_MINUTES', 10, 1, 60),
    httpTimeoutMs: r.int('OAUTH_HTTP_TIMEOUT_MS', 5000, 100, 60_000),
    allowInsecureHttp,
  };
}

function isP256Key(pem: string): boolean {
  try {
    const key = createPrivateKey(pem);
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  } catch {
    return false;
  }
}
