import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { freePort } from './ports';

export interface GitHubUser {
  id: number;
  login: string;
  name?: string;
  emails: { email: string; primary: boolean; verified: boolean }[];
}

export interface FacebookUser {
  id: string;
  name?: string;
  email?: string;
}

export interface FakeOAuth2 {
  /** Issuer and API base of both shapes (OAUTH_GITHUB_ISSUER / _API_URL, OAUTH_FACEBOOK_ISSUER / _API_URL). */
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The user the next authorization signs in as. */
  nextGitHubUser(user: GitHubUser): void;
  nextFacebookUser(user: FacebookUser): void;
  /** Follows the authorization URL and returns the redirect back to the client. */
  authorize(authorizationUrl: string): Promise<URL>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * GitHub's OAuth endpoints (/login/oauth/authorize, /login/oauth/access_token, which
 * answers a refused code with 200 and `{"error": "bad_verification_code"}` as GitHub
 * does) and REST API (/user, /user/emails), and Facebook's (/v21.0/dialog/oauth,
 * /v21.0/oauth/access_token, /v21.0/me?fields=id,name,email), on 127.0.0.1. Codes are
 * single use and bound to the PKCE challenge and redirect URI.
 */
export async function startFakeOAuth2(): Promise<FakeOAuth2> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const clientId = 'oauth2-client';
  const clientSecret = 'oauth2-client-secret-0123456789';
  let github: GitHubUser = { id: 1, login: 'nobody', emails: [] };
  let facebook: FacebookUser = { id: '1' };
  const codes = new Map<string, { user: GitHubUser | FacebookUser; challenge: string; redirectUri: string }>();
  const tokens = new Map<string, GitHubUser | FacebookUser>();

  const server: Server = createServer((req, res) => {
    void (async () => {
      const u = new URL(req.url ?? '/', url);
      const json = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      const authorizeFor = (user: GitHubUser | FacebookUser) => {
        const code = randomBytes(10).toString('hex');
        codes.set(code, { user, challenge: u.searchParams.get('code_challenge') ?? '', redirectUri: u.searchParams.get('redirect_uri') ?? '' });
        const back = new URL(u.searchParams.get('redirect_uri')!);
        back.searchParams.set('code', code);
        back.searchParams.set('state', u.searchParams.get('state') ?? '');
        res.writeHead(302, { location: back.href }).end();
      };
      const exchange = async (refusal: (status: number, error: string) => void) => {
        const form = new URLSearchParams(await readBody(req));
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) return refusal(401, 'incorrect_client_credentials');
        if (!grant || grant.redirectUri !== form.get('redirect_uri')) return refusal(400, 'bad_verification_code');
        if (createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url') !== grant.challenge) return refusal(400, 'bad_verification_code');
        const token = randomBytes(16).toString('hex');
        tokens.set(token, grant.user);
        json(200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email', expires_in: 3600 });
      };
      const bearer = () => tokens.get((req.headers.authorization ?? '').replace(/^Bearer /i, ''));

      if (u.pathname === '/login/oauth/authorize') return authorizeFor(github);
      // GitHub answers a refused code with 200 and an error body.
      if (u.pathname === '/login/oauth/access_token' && req.method === 'POST') return exchange((_, error) => json(200, { error }));
      if (u.pathname === '/v21.0/dialog/oauth') return authorizeFor(facebook);
      if (u.pathname === '/v21.0/oauth/access_token' && req.method === 'POST') {
        return exchange((status, error) => json(status, { error: { message: error, type: 'OAuthException', code: 100 } }));
      }
      const user = bearer();
      if (!user) return json(401, { message: 'Bad credentials' });
      if (u.pathname === '/user' && 'login' in user) return json(200, { id: user.id, login: user.login, name: user.name ?? null, email: null });
      if (u.pathname === '/user/emails' && 'login' in user) return json(200, user.emails.map((e) => ({ ...e, visibility: 'private' })));
      if (u.pathname === '/v21.0/me' && !('login' in user)) {
        const fields = (u.searchParams.get('fields') ?? 'id').split(',');
        return json(200, Object.fromEntries(fields.filter((f) => (user as unknown as Record<string, unknown>)[f] !== undefined).map((f) => [f, (user as unknown as Record<string, unknown>)[f]])));
      }
      json(404, { message: 'Not Found' });
    })().catch((e: unknown) => res.writeHead(500).end(String(e)));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url, clientId, clientSecret,
    nextGitHubUser: (user) => { github = user; },
    nextFacebookUser: (user) => { facebook = user; },
    async authorize(authorizationUrl) {
      const res = await fetch(authorizationUrl, { redirect: 'manual' });
      return new URL(res.headers.get('location')!);
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
