import type { Configuration, IDToken } from 'openid-client';
import { normalizeIdentifier } from '../credentials/identifier';
import type { OAuthProviderConfig, OAuthProviderName } from '../../config/oauth-config';
import type { ProviderIdentity } from './oauth.model';
import { codeInvalid, providerUnavailable } from './provider-errors';
import type { OpenIdClientModule } from './openid-client.loader';

/** Graph API version of the Facebook endpoints. */
export const FACEBOOK_API_VERSION = 'v21.0';

/** The provider's address in our one spelling, or null when there is none or it is not an address we accept. */
function emailOf(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw === '') return null;
  try {
    return normalizeIdentifier(raw, 'IDENTIFIER_TYPE_EMAIL').value;
  } catch {
    return null;
  }
}

function displayNameOf(...candidates: unknown[]): string {
  const name = candidates.find((c): c is string => typeof c === 'string' && c.trim() !== '') ?? '';
  // One line, within the profile column's limit.
  return name.replace(/\p{Cc}/gu, ' ').trim().slice(0, 100);
}

/**
 * An OpenID provider's user: `sub` of the validated ID token; the address counts as
 * verified only with `email_verified: true` (Apple sends the string "true"). UserInfo
 * (fetched for the same subject when the ID token has no address) fills in the address.
 */
export function identityFromClaims(provider: OAuthProviderName, claims: IDToken, userInfo?: Record<string, unknown>): ProviderIdentity {
  // OIDC Core caps `sub` at 255 ASCII characters; anything else is not an identity we can key on.
  if (!/^[\x20-\x7E]{1,255}$/.test(claims.sub)) throw codeInvalid(provider);
  const source: Record<string, unknown> = claims.email !== undefined || !userInfo ? claims : userInfo;
  const email = emailOf(source.email);
  const verified = source.email_verified === true || source.email_verified === 'true';
  const given = [claims.given_name, claims.family_name].filter((p) => typeof p === 'string').join(' ');
  return {
    provider,
    subject: claims.sub,
    email,
    emailVerified: email !== null && verified,
    displayName: displayNameOf(claims.name, userInfo?.name, given, claims.preferred_username),
  };
}

/** GET a user API resource with the access token; non-2xx and non-JSON answers are the provider's fault (UNAVAILABLE). */
async function getJson(
  oidc: OpenIdClientModule, provider: OAuthProviderName, configuration: Configuration, accessToken: string, url: URL, headers: Record<string, string> = {},
): Promise<unknown> {
  const response = await oidc.fetchProtectedResource(configuration, accessToken, url, 'GET', undefined, new Headers({ accept: 'application/json', ...headers }));
  if (response.status === 401 || response.status === 403) throw codeInvalid(provider);
  if (!response.ok) throw providerUnavailable(provider);
  // Already read, bounded, by boundedFetch (the configuration's customFetch).
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw providerUnavailable(provider);
  }
}

function subjectOf(provider: OAuthProviderName, id: unknown): string {
  if ((typeof id === 'number' && Number.isSafeInteger(id)) || (typeof id === 'string' && /^[0-9A-Za-z_-]{1,255}$/.test(id))) return String(id);
  throw providerUnavailable(provider);
}

/**
 * GitHub: GET /user for the id and name, GET /user/emails for the address: only the
 * primary address with `verified: true` is taken (verified); without one the account
 * gets no address from GitHub.
 */
export async function readGitHubUser(oidc: OpenIdClientModule, configuration: Configuration, settings: OAuthProviderConfig, accessToken: string): Promise<ProviderIdentity> {
  const api = settings.apiUrl!.replace(/\/+$/, '');
  const headers = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };
  const user = (await getJson(oidc, 'github', configuration, accessToken, new URL(`${api}/user`), headers)) as Record<string, unknown> | null;
  if (!user || typeof user !== 'object') throw providerUnavailable('github');
  const emails = await getJson(oidc, 'github', configuration, accessToken, new URL(`${api}/user/emails`), headers);
  const primary = Array.isArray(emails)
    ? (emails as Record<string, unknown>[]).find((e) => e && typeof e === 'object' && e.primary === true && e.verified === true)
    : undefined;
  const email = emailOf(primary?.email);
  return { provider: 'github', subject: subjectOf('github', user.id), email, emailVerified: email !== null, displayName: displayNameOf(user.name, user.login) };
}

/**
 * Facebook: GET /me?fields=id,name,email. Facebook documents no verified flag for the
 * address and has let accounts sign up without confirming one, so it counts as
 * unverified: it is stored on a new account (to be verified by mail) but never links
 * to, or takes over, an existing account.
 */
export async function readFacebookUser(oidc: OpenIdClientModule, configuration: Configuration, settings: OAuthProviderConfig, accessToken: string): Promise<ProviderIdentity> {
  const api = settings.apiUrl!.replace(/\/+$/, '');
  const me = (await getJson(oidc, 'facebook', configuration, accessToken, new URL(`${api}/${FACEBOOK_API_VERSION}/me?fields=id,name,email`))) as Record<string, unknown> | null;
  if (!me || typeof me !== 'object') throw providerUnavailable('facebook');
  return { provider: 'facebook', subject: subjectOf('facebook', me.id), email: emailOf(me.email), emailVerified: false, displayName: displayNameOf(me.name) };
}
