import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ClientAuth, Configuration } from 'openid-client';
import { DomainError } from '../../common/errors/domain-error';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { OPENID_PROVIDERS, type OAuthProviderConfig, type OAuthProviderName } from '../../config/oauth-config';
import { AppleClientSecret } from './apple-client-secret';
import { boundedFetch } from './bounded-fetch';
import { loadOpenIdClient } from './openid-client.loader';
import type { OAuthFlow, ProviderIdentity } from './oauth.model';
import { codeInvalid, describeProviderFailure, providerUnavailable, translateExchangeError } from './provider-errors';
import { FACEBOOK_API_VERSION, identityFromClaims, readFacebookUser, readGitHubUser } from './provider-users';

/** Default scopes per provider; `openid` is always requested from OpenID providers (the nonce needs an ID token). */
const DEFAULT_SCOPES: Readonly<Record<OAuthProviderName, readonly string[]>> = {
  google: ['openid', 'email', 'profile'],
  microsoft: ['openid', 'email', 'profile'],
  oidc: ['openid', 'email', 'profile'],
  apple: ['openid', 'email', 'name'],
  github: ['read:user', 'user:email'],
  facebook: ['email', 'public_profile'],
};

export interface AuthorizationRequest {
  readonly redirectUri: string;
  readonly scopes: readonly string[];
}

/** A started authorization request: the URL and the secrets the flow record keeps. */
export interface StartedAuthorization {
  readonly url: URL;
  readonly state: string;
  readonly codeVerifier: string;
  readonly nonce: string | null;
}

/**
 * The configured providers as openid-client Configurations: OpenID providers by
 * discovery (cached once it succeeds; the JWKS is cached by openid-client inside it),
 * GitHub and Facebook by their fixed endpoints. Every request to a provider is bounded
 * by OAUTH_HTTP_TIMEOUT_MS; http:// is allowed only with OAUTH_ALLOW_INSECURE_HTTP
 * (never in production, see oauth-config.ts).
 */
@Injectable()
export class OAuthProviders {
  private readonly logger = new Logger('OAuth');
  private readonly configurations = new Map<OAuthProviderName, Promise<Configuration>>();
  private readonly appleSecret?: AppleClientSecret;
  /** The Apple secret the synchronous client authentication sends; refreshed before each token request. */
  private appleSecretValue = '';

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const apple = config.oauth.providers.apple;
    if (apple) this.appleSecret = new AppleClientSecret(apple);
  }

  isOpenId(name: OAuthProviderName): boolean {
    return OPENID_PROVIDERS.has(name);
  }

  /** The provider's settings; FAILED_PRECONDITION naming it when it is not configured. */
  settingsOf(name: OAuthProviderName): OAuthProviderConfig {
    const settings = this.config.oauth.providers[name];
    if (!settings) {
      throw new DomainError(
        'OAUTH_PROVIDER_NOT_CONFIGURED',
        `Sign-in with OAUTH_PROVIDER_${name.toUpperCase()} is not configured on this server (OAUTH_${name.toUpperCase()}_CLIENT_ID)`,
      );
    }
    return settings;
  }

  /** The scopes to request: the client's (plus `openid` for OpenID providers) or the provider's defaults. */
  scopesFor(name: OAuthProviderName, requested: readonly string[]): string[] {
    if (!requested.length) return [...DEFAULT_SCOPES[name]];
    return [...new Set([...(this.isOpenId(name) ? ['openid'] : []), ...requested])];
  }

  /** A fresh state (256 bits), PKCE S256 verifier and, for OpenID providers, nonce, and the URL carrying them. */
  async authorize(name: OAuthProviderName, request: AuthorizationRequest): Promise<StartedAuthorization> {
    const configuration = await this.configuration(name);
    const oidc = await loadOpenIdClient();
    const state = oidc.randomState();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const nonce = this.isOpenId(name) ? oidc.randomNonce() : null;
    const params: Record<string, string> = {
      redirect_uri: request.redirectUri,
      scope: request.scopes.join(' '),
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    };
    if (nonce) params.nonce = nonce;
    // Apple answers with a form POST to the redirect URI when name or email is asked for.
    if (name === 'apple' && request.scopes.some((s) => s === 'email' || s === 'name')) params.response_mode = 'form_post';
    return { url: oidc.buildAuthorizationUrl(configuration, params), state, codeVerifier, nonce };
  }

  /**
   * Exchanges the code (with the flow's PKCE verifier) and returns who the user is:
   * from the validated ID token (issuer, audience, signature by the provider's JWKS,
   * nonce, expiry: openid-client) or from the GitHub / Facebook user API.
   */
  async identify(flow: OAuthFlow, code: string, state: string): Promise<ProviderIdentity> {
    const name = flow.provider;
    const settings = this.settingsOf(name);
    const configuration = await this.configuration(name);
    const oidc = await loadOpenIdClient();
    try {
      if (this.appleSecret && name === 'apple') this.appleSecretValue = await this.appleSecret.current();
      const tokens = await oidc.authorizationCodeGrant(configuration, this.callbackUrl(configuration, flow.redirectUri, code, state), {
        pkceCodeVerifier: flow.codeVerifier,
        expectedState: state,
        ...(flow.nonce ? { expectedNonce: flow.nonce } : {}),
      });
      if (name === 'github') return await readGitHubUser(oidc, configuration, settings, tokens.access_token);
      if (name === 'facebook') return await readFacebookUser(oidc, configuration, settings, tokens.access_token);
      const claims = tokens.claims();
      if (!claims) throw codeInvalid(name);
      let userInfo: Record<string, unknown> | undefined;
      // Some providers leave the address out of the ID token; UserInfo (same subject, checked) has it.
      if (claims.email === undefined && configuration.serverMetadata().userinfo_endpoint) {
        userInfo = await oidc.fetchUserInfo(configuration, tokens.access_token, claims.sub);
      }
      return identityFromClaims(name, claims, userInfo);
    } catch (e) {
      const translated = translateExchangeError(oidc, name, e);
      if (translated instanceof DomainError && translated.code === 'OAUTH_PROVIDER_UNAVAILABLE') {
        this.logger.warn({ provider: name, failure: describeProviderFailure(e) }, 'OAuth provider call failed');
      }
      throw translated;
    }
  }

  /**
   * The authorization response as the redirect URI received it. `iss` (RFC 9207) is
   * filled in from the flow's own provider: the contract carries only code and state,
   * and the flow record already binds the response to the provider it was started with
   * (the mix-up attack `iss` defends against needs a client that lets the response pick it).
   */
  private callbackUrl(configuration: Configuration, redirectUri: string, code: string, state: string): URL {
    const url = new URL(redirectUri);
    url.searchParams.set('code', code);
    url.searchParams.set('state', state);
    const metadata = configuration.serverMetadata();
    if (metadata.authorization_response_iss_parameter_supported) url.searchParams.set('iss', metadata.issuer);
    return url;
  }

  private configuration(name: OAuthProviderName): Promise<Configuration> {
    let pending = this.configurations.get(name);
    if (!pending) {
      pending = this.create(this.settingsOf(name));
      this.configurations.set(name, pending);
      // A failed discovery is not kept: the next request tries again.
      pending.catch(() => this.configurations.delete(name));
    }
    return pending;
  }

  private async create(settings: OAuthProviderConfig): Promise<Configuration> {
    const oidc = await loadOpenIdClient();
    const { allowInsecureRequests, ClientSecretPost, Configuration, discovery, enableNonRepudiationChecks } = oidc;
    const insecure = this.config.oauth.allowInsecureHttp && new URL(settings.issuer).protocol === 'http:';
    const timeout = this.config.oauth.httpTimeoutMs / 1000;
    const auth: ClientAuth = settings.apple ? this.appleClientAuth() : ClientSecretPost(settings.clientSecret?.reveal());
    let configuration: Configuration;
    if (this.isOpenId(settings.name)) {
      try {
        configuration = await discovery(new URL(settings.issuer), settings.clientId, undefined, auth, {
          timeout,
          // Every answer of the provider, this one and the later ones, is read bounded.
          [oidc.customFetch]: boundedFetch,
          // openid-client trusts an ID token from the token endpoint by TLS alone unless told to check its
          // signature against the provider's JWKS (OIDC Core 3.1.3.7 allows either); we want the signature checked.
          execute: insecure ? [allowInsecureRequests, enableNonRepudiationChecks] : [enableNonRepudiationChecks],
        });
      } catch (e) {
        this.logger.warn({ provider: settings.name, failure: describeProviderFailure(e) }, 'OAuth provider discovery failed');
        throw providerUnavailable(settings.name, e);
      }
    } else {
      configuration = new Configuration(oauth2Metadata(settings), settings.clientId, undefined, auth);
      configuration.timeout = timeout;
      configuration[oidc.customFetch] = boundedFetch;
      if (insecure || (this.config.oauth.allowInsecureHttp && settings.apiUrl?.startsWith('http:'))) allowInsecureRequests(configuration);
    }
    return configuration;
  }

  /** client_secret_post with Apple's signed JWT as the secret. */
  private appleClientAuth(): ClientAuth {
    return (_as, client, body) => {
      body.set('client_id', client.client_id);
      body.set('client_secret', this.appleSecretValue);
    };
  }
}

/** GitHub and Facebook are OAuth 2.0 only: no discovery, fixed endpoints under the configured bases. */
function oauth2Metadata(settings: OAuthProviderConfig) {
  const issuer = settings.issuer.replace(/\/+$/, '');
  const api = (settings.apiUrl ?? '').replace(/\/+$/, '');
  return settings.name === 'github'
    ? { issuer, authorization_endpoint: `${issuer}/login/oauth/authorize`, token_endpoint: `${issuer}/login/oauth/access_token` }
    : { issuer, authorization_endpoint: `${issuer}/${FACEBOOK_API_VERSION}/dialog/oauth`, token_endpoint: `${api}/${FACEBOOK_API_VERSION}/oauth/access_token` };
}
