import { DomainError } from '../../common/errors/domain-error';
import type { OAuthProviderName } from '../../config/oauth-config';
import type { OpenIdClientModule } from './openid-client.loader';

/** openid-client codes that mean "the provider is down or misbehaving", not "this code is bad". */
const PROVIDER_FAULTS = new Set(['OAUTH_TIMEOUT', 'OAUTH_ABORT', 'OAUTH_RESPONSE_IS_NOT_JSON']);

export function providerUnavailable(provider: OAuthProviderName, cause?: unknown): DomainError {
  return new DomainError('OAUTH_PROVIDER_UNAVAILABLE', `The ${provider} sign-in service did not answer properly; try again later`, { cause });
}

export function codeInvalid(provider: OAuthProviderName, cause?: unknown): DomainError {
  return new DomainError('OAUTH_CODE_INVALID', `The ${provider} authorization code was refused or its answer did not validate; start again with GetOAuthUrl`, {
    cause,
    violations: [{ field: 'code', description: 'was refused by the provider or its answer did not validate' }],
  });
}

/** An OAuth error answer of the provider (openid-client's ResponseBodyError, named so it can be told without loading the library). */
function isResponseBodyError(e: unknown): e is Error & { status: number; error: string } {
  return e instanceof Error && e.name === 'ResponseBodyError';
}

/**
 * A refusal carried in a WWW-Authenticate header (openid-client's WWWAuthenticateChallengeError):
 * the token endpoint refusing our client authentication, or UserInfo / a user API refusing
 * the access token it has just issued.
 */
function isChallengeError(e: unknown): e is Error & { status: number } {
  return e instanceof Error && e.name === 'WWWAuthenticateChallengeError';
}

/** The HTTP status an openid-client error carries (a provider's refusal), if any. */
function statusOf(e: unknown): number | undefined {
  if (isResponseBodyError(e) || isChallengeError(e)) return e.status;
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof Response ? cause.status : undefined;
}

/** What an operator may read about a failed provider call: codes and statuses, never messages, bodies or tokens. */
export function describeProviderFailure(e: unknown): Record<string, unknown> {
  const cause = (e as { cause?: unknown }).cause;
  return {
    type: e instanceof Error ? e.name : typeof e,
    reason: (e as { code?: unknown }).code,
    status: statusOf(e),
    oauthError: isResponseBodyError(e) ? e.error : undefined,
    cause: cause instanceof Error ? cause.name : undefined,
  };
}

/**
 * What a failed exchange tells the client: timeouts, unreachable providers and 5xx
 * answers are UNAVAILABLE (retry later); a refused code or an answer that does not
 * validate (ID token issuer, audience, signature, nonce, expiry) is INVALID_ARGUMENT.
 * `invalid_client` is this server's configuration (client id or secret), not the
 * caller's: UNAVAILABLE too, like a WWW-Authenticate challenge (our client credentials,
 * or a token the provider has just issued, refused: nothing a new code would fix). Errors that did not come from the provider exchange
 * (database, bugs) are returned unchanged. Messages never carry the code, tokens or
 * the provider's error text.
 */
export function translateExchangeError(oidc: OpenIdClientModule, provider: OAuthProviderName, e: unknown): unknown {
  if (e instanceof DomainError) return e;
  const status = statusOf(e);
  if (status !== undefined && status >= 500) return providerUnavailable(provider, e);
  if (e instanceof oidc.WWWAuthenticateChallengeError) return providerUnavailable(provider, e);
  if (e instanceof oidc.ResponseBodyError) return e.error === 'invalid_client' ? providerUnavailable(provider, e) : codeInvalid(provider, e);
  if (e instanceof oidc.ClientError) return PROVIDER_FAULTS.has(e.code ?? '') ? providerUnavailable(provider, e) : codeInvalid(provider, e);
  // fetch rejects with a TypeError when the connection fails; openid-client's argument checks carry ERR_INVALID_ARG_*.
  if (e instanceof TypeError) {
    return String((e as { code?: unknown }).code ?? '').startsWith('ERR_INVALID_ARG') ? codeInvalid(provider, e) : providerUnavailable(provider, e);
  }
  if (e instanceof DOMException && (e.name === 'TimeoutError' || e.name === 'AbortError')) return providerUnavailable(provider, e);
  return e;
}
