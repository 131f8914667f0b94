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
  /** In API.md's public list: answers without a token. The others need one, as they will when built. */
  readonly public?: boolean;
}

const OAUTH = 'OAuth sign-in (no issue scheduled)';

export const PENDING_METHODS: readonly PendingMethod[] = [
  { service: 'AuthService', method: 'GetOAuthUrl', capability: OAUTH, public: true, http: { verb: 'POST', path: 'auth/oauth/url' } },
  { service: 'AuthService', method: 'ExchangeOAuthCode', capability: OAUTH, public: true, http: { verb: 'POST', path: 'auth/oauth/exchange' } },
  { service: 'AuthService', method: 'LinkOAuthProvider', capability: OAUTH, http: { verb: 'POST', path: 'auth/oauth/link' } },
  { service: 'AuthService', method: 'UnlinkOAuthProvider', capability: OAUTH, http: { verb: 'DELETE', path: 'auth/oauth/providers/:provider' } },
  { service: 'AuthService', method: 'ListLinkedProviders', capability: OAUTH, http: { verb: 'GET', path: 'auth/oauth/providers' } },
];
