import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey } from 'jose';
import { freePort } from './ports';

/** How the token endpoint misbehaves for the next code. */
export type TokenMode =
  | 'ok' | 'wrong-nonce' | 'wrong-aud' | 'wrong-iss' | 'expired' | 'foreign-key' | 'no-id-token' | 'status-503' | 'slow'
  // ID token substitution: unsigned, HMAC-signed with the client secret, no nonce, another party's azp next to ours.
  | 'alg-none' | 'hs256' | 'no-nonce' | 'foreign-azp'
  // The token endpoint refuses with a WWW-Authenticate challenge (client authentication failed, RFC 6749 5.2).
  | 'challenge-401'
  // UserInfo (the ID token carries no address) answers for another subject, or with a challenge.
  | 'userinfo-other-sub' | 'userinfo-challenge'
  // The token endpoint streams a 64 MiB JSON answer as fast as the client reads it.
  | 'huge-answer';

/** Size of the 'huge-answer' token response. */
export const HUGE_ANSWER_BYTES = 64 * 1024 * 1024;

export interface HostileUser {
  sub: string;
  /** Claims UserInfo answers (the user without the address goes into the ID token). */
  userinfo?: Record<string, unknown>;
  email?: string;
  email_verified?: boolean | string;
  name?: string;
}

export interface HostileOp {
  readonly issuer: string;
  /** Discovery answers this status instead of the metadata (undefined: the metadata). */
  discoveryStatus?: number;
  /** The mode and user the next authorization gets. */
  next(mode: TokenMode, user: HostileUser): void;
  /** Follows the authorization URL (no login page) and returns the redirect back to the client. */
  authorize(authorizationUrl: string): Promise<URL>;
  /** The form bodies the token endpoint received, newest last. */
  readonly tokenRequests: URLSearchParams[];
  /** Query parameters of every authorization request. */
  readonly authorizeRequests: URLSearchParams[];
  /** Bytes of the last 'huge-answer' handed to the socket before the client closed it (or all of them). */
  readonly hugeAnswerSent: Promise<number>;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * An OpenID provider the test controls, signing ID tokens with jose: discovery, JWKS,
 * an authorize endpoint that answers at once, and a token endpoint that can sign an ID
 * token with a wrong nonce, audience or issuer, an expired one, one signed by a key
 * not in its JWKS, an unsigned or HS256 one, one without nonce or for another azp, or
 * answer 503 / too late / with a WWW-Authenticate challenge; its UserInfo can answer
 * for another subject. It checks PKCE like a real one.
 * `checkClientSecret` sees the client_secret of each token request (Apple's JWT).
 */
export async function startHostileOp(options: { clientId: string; clientSecret?: string; checkClientSecret?: (secret: string) => Promise<boolean> }): Promise<HostileOp> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const foreign = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  let pending: { mode: TokenMode; user: HostileUser } = { mode: 'ok', user: { sub: 'nobody' } };
  const codes = new Map<string, { mode: TokenMode; user: HostileUser; nonce?: string; challenge: string; redirectUri: string }>();
  const accessTokens = new Map<string, { mode: TokenMode; user: HostileUser }>();
  const tokenRequests: URLSearchParams[] = [];
  const authorizeRequests: URLSearchParams[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const op = {} as HostileOp;
  let hugeAnswerSent: Promise<number> = Promise.resolve(0);

  const sign = async (key: CryptoKey, claims: Record<string, unknown>, iat: number) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuedAt(iat).setExpirationTime(iat + 600).sign(key);

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', issuer);
      const json = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (url.pathname === '/.well-known/openid-configuration') {
        if (op.discoveryStatus) return json(op.discoveryStatus, { error: 'down' });
        return json(200, {
          issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`, userinfo_endpoint: `${issuer}/userinfo`,
          response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['ES256'],
          code_challenge_methods_supported: ['S256'], token_endpoint_auth_methods_supported: ['client_secret_post'],
        });
      }
      if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
      if (url.pathname === '/userinfo') {
        const grant = accessTokens.get((req.headers.authorization ?? '').replace(/^Bearer /i, ''));
        if (!grant || grant.mode === 'userinfo-challenge') {
          return res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'content-type': 'application/json' }).end('{}');
        }
        return json(200, { sub: grant.mode === 'userinfo-other-sub' ? `${grant.user.sub}-other` : grant.user.sub, ...grant.user.userinfo });
      }
      if (url.pathname === '/authorize') {
        authorizeRequests.push(url.searchParams);
        const code = randomBytes(16).toString('hex');
        const q = url.searchParams;
        codes.set(code, { ...pending, nonce: q.get('nonce') ?? undefined, challenge: q.get('code_challenge') ?? '', redirectUri: q.get('redirect_uri') ?? '' });
        const back = new URL(q.get('redirect_uri')!);
        back.searchParams.set('code', code);
        back.searchParams.set('state', q.get('state') ?? '');
        return res.writeHead(302, { location: back.href }).end();
      }
      if (url.pathname === '/token' && req.method === 'POST') {
        const form = new URLSearchParams(await body(req));
        tokenRequests.push(form);
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        if (!grant) return json(400, { error: 'invalid_grant' });
        const verifier = form.get('code_verifier') ?? '';
        if (createHash('sha256').update(verifier).digest('base64url') !== grant.challenge || form.get('redirect_uri') !== grant.redirectUri) {
          return json(400, { error: 'invalid_grant' });
        }
        if (form.get('client_id') !== options.clientId || (options.checkClientSecret && !(await options.checkClientSecret(form.get('client_secret') ?? '')))) {
          return json(401, { error: 'invalid_client' });
        }
        if (grant.mode === 'challenge-401') return res.writeHead(401, { 'www-authenticate': 'Basic realm="token"' }).end();
        if (grant.mode === 'status-503') return res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>down</h1>');
        if (grant.mode === 'huge-answer') {
          const chunk = Buffer.alloc(64 * 1024, 'a');
          let sent = 0;
          hugeAnswerSent = new Promise((resolve) => res.once('close', () => resolve(sent)));
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"token_type":"Bearer","access_token":"');
          const pump = (): void => {
            while (sent < HUGE_ANSWER_BYTES && !res.destroyed) {
              sent += chunk.length;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
            res.end('"}');
          };
          return pump();
        }
        if (grant.mode === 'slow') {
          await new Promise<void>((r) => { const t = setTimeout(() => { timers.delete(t); r(); }, 3_000); timers.add(t); });
        }
        const now = Math.floor(Date.now() / 1000);
        const { userinfo: _, ...user } = grant.user;
        const claims: Record<string, unknown> = {
          ...user,
          iss: grant.mode === 'wrong-iss' ? 'http://127.0.0.1:1' : issuer,
          aud: grant.mode === 'wrong-aud' ? 'someone-else' : grant.mode === 'foreign-azp' ? [options.clientId, 'other-client'] : options.clientId,
          ...(grant.mode === 'foreign-azp' ? { azp: 'other-client' } : {}),
          nonce: grant.mode === 'wrong-nonce' ? 'not-the-nonce' : grant.mode === 'no-nonce' ? undefined : grant.nonce,
        };
        const key = grant.mode === 'foreign-key' ? foreign.privateKey : privateKey;
        const iat = grant.mode === 'expired' ? now - 7200 : now;
        let idToken = await sign(key, claims, iat);
        if (grant.mode === 'alg-none') idToken = `${new UnsecuredJWT(claims).setIssuedAt(iat).setExpirationTime(iat + 600).encode()}`;
        if (grant.mode === 'hs256') {
          idToken = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setIssuedAt(iat).setExpirationTime(iat + 600)
            .sign(new TextEncoder().encode(options.clientSecret ?? 'no-secret'));
        }
        if (res.destroyed) return;
        const accessToken = randomBytes(16).toString('hex');
        accessTokens.set(accessToken, { mode: grant.mode, user: grant.user });
        return json(200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, ...(grant.mode === 'no-id-token' ? {} : { id_token: idToken }) });
      }
      json(404, { error: 'not_found' });
    })().catch((e: unknown) => res.writeHead(500).end(String(e)));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  Object.assign(op, {
    issuer, tokenRequests, authorizeRequests,
    get hugeAnswerSent() {
      return hugeAnswerSent;
    },
    next: (mode, user) => { pending = { mode, user }; },
    async authorize(authorizationUrl) {
      const res = await fetch(authorizationUrl, { redirect: 'manual' });
      return new URL(res.headers.get('location')!);
    },
    close: () => new Promise<void>((resolve) => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  });
  return op;
}
