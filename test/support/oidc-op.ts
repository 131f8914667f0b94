import { createServer, type Server } from 'node:http';
import Provider from 'oidc-provider';
import { freePort } from './ports';

/** Claims an account of the test OP answers (sub is the account id). */
export interface OpAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface OidcOp {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Registers (or replaces) an account the browser can sign in as. */
  setAccount(id: string, claims: OpAccount): void;
  /**
   * A browser without a browser: follows the authorization URL, signs in as `accountId`
   * on the OP's login form, grants consent, and returns the redirect back to the client
   * (with code, state and iss) without following it.
   */
  signIn(authorizationUrl: string, accountId: string, redirectUri: string): Promise<URL>;
  close(): Promise<void>;
}

/**
 * A real, certified OpenID Provider (the `oidc-provider` package) on 127.0.0.1 with its
 * development login and consent pages. `conformIdTokenClaims: false` puts email and
 * name into the ID token (as Google does); true leaves them to UserInfo.
 */
export async function startOidcOp(options: { redirectUris: string[]; conformIdTokenClaims?: boolean; clientId?: string }): Promise<OidcOp> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = options.clientId ?? 'auth-service-test';
  const clientSecret = 'op-client-secret-0123456789abcdef0123456789';
  const accounts = new Map<string, OpAccount>();
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: options.redirectUris, token_endpoint_auth_method: 'client_secret_post' }],
    findAccount: (_ctx, id) => {
      const account = accounts.get(id);
      return account ? { accountId: id, claims: () => ({ sub: id, ...account }) } : undefined;
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    conformIdTokenClaims: options.conformIdTokenClaims ?? false,
    pkce: { required: () => true },
    cookies: { keys: ['test-op-cookie-key-0123456789'] },
    features: { devInteractions: { enabled: true } },
  });
  // Silence the OP's own error logging of refused requests (bad codes are the point of some tests).
  provider.on('server_error', () => undefined);
  const server: Server = createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

  return {
    issuer, clientId, clientSecret,
    setAccount: (id, claims) => accounts.set(id, claims),
    async signIn(authorizationUrl, accountId, redirectUri) {
      const jar = new Map<string, string>();
      let next = new URL(authorizationUrl);
      let form: URLSearchParams | undefined;
      for (let step = 0; step < 20; step++) {
        if (next.href.startsWith(redirectUri)) return next;
        const res = await fetch(next, {
          method: form ? 'POST' : 'GET',
          body: form?.toString(),
          redirect: 'manual',
          headers: {
            cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
            ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          },
        });
        for (const c of res.headers.getSetCookie()) {
          const [pair] = c.split(';');
          const i = pair.indexOf('=');
          jar.set(pair.slice(0, i), pair.slice(i + 1));
        }
        if (res.status >= 300 && res.status < 400) {
          next = new URL(res.headers.get('location')!, next);
          form = undefined;
          continue;
        }
        const html = await res.text();
        const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
        if (!prompt) throw new Error(`OP answered ${res.status} without a form: ${html.slice(0, 400)}`);
        // The login and consent forms post back to the interaction URL itself.
        form = new URLSearchParams(prompt === 'login' ? { prompt, login: accountId, password: 'any' } : { prompt });
      }
      throw new Error('the OP never redirected back to the client');
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
