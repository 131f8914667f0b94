import { createHash, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createLocalJWKSet, exportJWK, jwtVerify } from 'jose';
import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExpirySweeper } from '../../src/common/maintenance/expiry-sweeper';
import { bootTestApp, type TestApp } from '../support/app';
import { clientInfo, uniqueEmail } from '../support/factories';
import { startFakeOAuth2, type FakeOAuth2 } from '../support/fake-oauth2';
import { bearer, grpc, type GrpcError } from '../support/grpc-client';
import { startHostileOp, type HostileOp, type TokenMode } from '../support/hostile-op';
import { startOidcOp, type OidcOp } from '../support/oidc-op';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { signUpAs } from '../support/users';

const REDIRECT = 'https://app.example.com/oauth/callback';
const MFA_KEY = `k1:${randomBytes(32).toString('base64')}`;
const APPLE_CLIENT = 'com.example.app';

describe('social sign-in (OAuth 2.0 / OpenID Connect) against real providers on 127.0.0.1', () => {
  let app: TestApp;
  let smtp: SmtpSink;
  let google: OidcOp;
  let sso: OidcOp;
  let microsoft: HostileOp;
  let apple: HostileOp;
  let oauth2: FakeOAuth2;

  beforeAll(async () => {
    // Apple's team key (a .p8 file) and the check Apple makes of the client secret JWT.
    const appleKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'apple-key-')), 'AuthKey.p8');
    writeFileSync(keyFile, appleKey.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const appleJwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(appleKey.publicKey)), kid: 'KEY123' }] });
    [smtp, google, sso, microsoft, apple, oauth2] = await Promise.all([
      startSmtpSink(),
      startOidcOp({ redirectUris: [REDIRECT] }),
      startOidcOp({ redirectUris: [REDIRECT], conformIdTokenClaims: true, clientId: 'sso-client' }),
      startHostileOp({ clientId: 'ms-client' }),
      startHostileOp({
        clientId: APPLE_CLIENT,
        checkClientSecret: (secret) =>
          jwtVerify(secret, appleJwks, { issuer: 'TEAM123', subject: APPLE_CLIENT, audience: 'https://appleid.apple.com', algorithms: ['ES256'] }).then(() => true, () => false),
      }),
      startFakeOAuth2(),
    ]);
    app = await bootTestApp({
      SMTP_URL: smtp.url,
      MAIL_OUTBOX_POLL_MS: '25',
      MFA_ENCRYPTION_KEY: MFA_KEY,
      OAUTH_ALLOW_INSECURE_HTTP: 'true',
      OAUTH_REDIRECT_URIS: REDIRECT,
      OAUTH_HTTP_TIMEOUT_MS: '1000',
      OAUTH_GOOGLE_CLIENT_ID: google.clientId,
      OAUTH_GOOGLE_CLIENT_SECRET: google.clientSecret,
      OAUTH_GOOGLE_ISSUER: google.issuer,
      OAUTH_OIDC_CLIENT_ID: sso.clientId,
      OAUTH_OIDC_CLIENT_SECRET: sso.clientSecret,
      OAUTH_OIDC_ISSUER: sso.issuer,
      OAUTH_MICROSOFT_CLIENT_ID: 'ms-client',
      OAUTH_MICROSOFT_CLIENT_SECRET: 'ms-secret',
      OAUTH_MICROSOFT_ISSUER: microsoft.issuer,
      OAUTH_APPLE_CLIENT_ID: APPLE_CLIENT,
      OAUTH_APPLE_TEAM_ID: 'TEAM123',
      OAUTH_APPLE_KEY_ID: 'KEY123',
      OAUTH_APPLE_PRIVATE_KEY_FILE: keyFile,
      OAUTH_APPLE_ISSUER: apple.issuer,
      OAUTH_GITHUB_CLIENT_ID: oauth2.clientId,
      OAUTH_GITHUB_CLIENT_SECRET: oauth2.clientSecret,
      OAUTH_GITHUB_ISSUER: oauth2.url,
      OAUTH_GITHUB_API_URL: oauth2.url,
      OAUTH_FACEBOOK_CLIENT_ID: oauth2.clientId,
      OAUTH_FACEBOOK_CLIENT_SECRET: oauth2.clientSecret,
      OAUTH_FACEBOOK_ISSUER: oauth2.url,
      OAUTH_FACEBOOK_API_URL: oauth2.url,
    });
  });
  afterAll(async () => {
    await app?.close();
    await Promise.all([smtp?.close(), google?.close(), sso?.close(), microsoft?.close(), apple?.close(), oauth2?.close()]);
  });

  const device = () => ({ installationId: randomUUID(), clientInfo: clientInfo() });
  const grpcDevice = () => ({ installationId: { value: randomUUID() }, clientInfo: clientInfo() });
  const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected the call to fail'); }, (e: GrpcError) => e);
  const sha256 = (s: string) => createHash('sha256').update(s).digest();

  /** GetOAuthUrl over REST (with the caller's token: a link flow). */
  async function start(provider: string, token?: string, body: Record<string, unknown> = {}) {
    const res = await app.http('POST', '/v1/auth/oauth/url', { token, body: { provider, redirectUri: REDIRECT, ...body } });
    expect(res.status, res.text).toBe(200);
    return res.body as { authorizationUrl: string; state: string };
  }

  /** A Google sign-in up to the redirect: the code and state the client would receive. */
  async function googleCode(accountId: string, token?: string) {
    const flow = await start('OAUTH_PROVIDER_GOOGLE', token);
    const back = await google.signIn(flow.authorizationUrl, accountId, REDIRECT);
    expect(back.searchParams.get('state')).toBe(flow.state);
    return { code: back.searchParams.get('code')!, state: flow.state };
  }

  async function hostileCode(op: HostileOp, provider: string, mode: TokenMode, user: Parameters<HostileOp['next']>[1]) {
    const flow = await start(provider);
    op.next(mode, user);
    const back = await op.authorize(flow.authorizationUrl);
    return { code: back.searchParams.get('code')!, state: flow.state, authorizationUrl: flow.authorizationUrl };
  }

  async function oauth2Code(provider: 'OAUTH_PROVIDER_GITHUB' | 'OAUTH_PROVIDER_FACEBOOK', token?: string) {
    const flow = await start(provider, token);
    const back = await oauth2.authorize(flow.authorizationUrl);
    return { code: back.searchParams.get('code')!, state: flow.state };
  }

  const exchange = (c: { code: string; state: string }) => app.http('POST', '/v1/auth/oauth/exchange', { body: { ...c, ...device() } });

  function newGoogleAccount(claims: { email?: string; email_verified?: boolean; name?: string } = {}) {
    const id = `g-${randomUUID()}`;
    google.setAccount(id, { email: uniqueEmail('google'), email_verified: true, name: 'Ada Lovelace', ...claims });
    return id;
  }

  describe('GetOAuthUrl', () => {
    it('answers an authorization URL with PKCE S256, a 256-bit state and a nonce; only the state\'s hash is stored', async () => {
      const flow = await start('OAUTH_PROVIDER_GOOGLE', undefined, { scopes: ['email'], stateData: 'return-to=/settings' });
      const url = new URL(flow.authorizationUrl);
      expect(url.origin).toBe(google.issuer);
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(url.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(url.searchParams.get('state')).toBe(flow.state);
      expect(url.searchParams.get('scope')).toBe('openid email');
      expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT);
      expect(Buffer.from(flow.state, 'base64url')).toHaveLength(32);
      const rows = await app.db.sql<{ provider: string; state_data: string; code_verifier: string; expires_at: Date }>(
        'SELECT provider, state_data, code_verifier, expires_at FROM oauth_flows WHERE state_hash = $1', [sha256(flow.state)],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ provider: 'google', state_data: 'return-to=/settings' });
      expect(rows[0].expires_at.getTime()).toBe(app.clock.now().getTime() + 10 * 60_000);
      expect(createHash('sha256').update(rows[0].code_verifier).digest('base64url')).toBe(url.searchParams.get('code_challenge'));
      expect(JSON.stringify(await app.db.sql('SELECT * FROM oauth_flows'))).not.toContain(flow.state);

      const viaGrpc = await app.auth.call('GetOAuthUrl', { provider: 'OAUTH_PROVIDER_GITHUB', redirectUri: REDIRECT });
      expect(new URL(viaGrpc.authorizationUrl).pathname).toBe('/login/oauth/authorize');
      expect(new URL(viaGrpc.authorizationUrl).searchParams.get('nonce')).toBeNull();
      expect((await app.http('POST', '/v2/auth/oauth/url', { body: { provider: 2, redirectUri: REDIRECT } })).status).toBe(200);
    });

    it('refuses a redirect URI that is not exactly allowed, naming redirectUri; UNSPECIFIED names provider', async () => {
      for (const redirectUri of [`${REDIRECT}/`, `${REDIRECT}?x=1`, 'https://evil.example.com/oauth/callback', REDIRECT.toUpperCase()]) {
        const res = await app.http('POST', '/v1/auth/oauth/url', { body: { provider: 'OAUTH_PROVIDER_GOOGLE', redirectUri } });
        expect(res.status, redirectUri).toBe(400);
        expect(res.body.error.status).toBe('INVALID_ARGUMENT');
        expect(JSON.stringify(res.body.error.details)).toContain('redirectUri');
      }
      const err = await failure(app.auth.call('GetOAuthUrl', { provider: 'OAUTH_PROVIDER_GOOGLE', redirectUri: 'https://evil.example.com/cb' }));
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.fieldViolations.map((v) => v.field)).toContain('redirect_uri');
      const unspecified = await failure(app.auth.call('GetOAuthUrl', { redirectUri: REDIRECT }));
      expect(unspecified.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(unspecified.fieldViolations.map((v) => v.field)).toContain('provider');
    });

    it('refuses a bad or revoked access token instead of starting an anonymous flow', async () => {
      const res = await app.http('POST', '/v1/auth/oauth/url', { token: 'a.b.c', body: { provider: 'OAUTH_PROVIDER_GOOGLE', redirectUri: REDIRECT } });
      expect(res.status).toBe(401);
    });
  });

  describe('ExchangeOAuthCode', () => {
    it('signs up with Google (a real OP: login and consent pages), then signs in to the same account over gRPC', async () => {
      const account = newGoogleAccount();
      const res = await exchange(await googleCode(account));
      expect(res.status, res.text).toBe(200);
      expect(res.body.status).toBe('AUTH_STATUS_SUCCESS');
      expect(res.body.tokens.accessToken).toBeTruthy();
      expect(res.body.user).toMatchObject({ emailVerified: true, hasPassword: false, linkedProviders: ['OAUTH_PROVIDER_GOOGLE'], displayName: 'Ada Lovelace' });
      const userId = res.body.user.userId as string;
      const [link] = await app.db.sql('SELECT provider, subject FROM oauth_accounts WHERE user_id = $1', [userId]);
      expect(link).toEqual({ provider: 'google', subject: account });
      // The tokens are a real session.
      const snapshot = await app.auth.call('ValidateCredentials', {}, bearer(res.body.tokens.accessToken));
      expect(snapshot.user.linkedProviders).toEqual(['OAUTH_PROVIDER_GOOGLE']);

      const again = await googleCode(account);
      const viaGrpc = await app.auth.call('ExchangeOAuthCode', { ...again, ...grpcDevice() });
      expect(viaGrpc.status).toBe('AUTH_STATUS_SUCCESS');
      expect(viaGrpc.user.userId.value).toBe(userId);
      expect(await app.db.sql('SELECT 1 FROM users WHERE email = $1', [res.body.user.email])).toHaveLength(1);
      // Codes, states and tokens never reach the logs.
      const logs = app.logs.join('\n');
      for (const secret of [again.code, again.state, res.body.tokens.refreshToken]) expect(logs).not.toContain(secret);
    });

    it('a replayed state is refused; of a parallel burst with one state exactly one succeeds', async () => {
      const c = await googleCode(newGoogleAccount());
      expect((await exchange(c)).status).toBe(200);
      const replay = await exchange(c);
      expect(replay.status).toBe(400);
      expect(replay.body.error.details.find((d: { reason?: string }) => d.reason)?.reason).toBe('OAUTH_STATE_INVALID');

      const burst = await googleCode(newGoogleAccount());
      const answers = await Promise.all(Array.from({ length: 6 }, () => exchange(burst)));
      expect(answers.map((a) => a.status).sort()).toEqual([200, 400, 400, 400, 400, 400]);
    });

    it('a code with the state of another flow, a used code, and an expired flow are INVALID_ARGUMENT', async () => {
      const account = newGoogleAccount();
      const a = await googleCode(account);
      const b = await googleCode(account);
      const swapped = await exchange({ code: a.code, state: b.state });
      expect(swapped.status).toBe(400);
      expect(swapped.body.error.status).toBe('INVALID_ARGUMENT');
      // A GitHub code with a Google state goes to Google (the flow names the provider), which refuses it.
      oauth2.nextGitHubUser({ id: 6_000_001 + Math.floor(Math.random() * 1e6), login: 'x', emails: [] });
      const gh = await oauth2Code('OAUTH_PROVIDER_GITHUB');
      const crossed = await exchange({ code: gh.code, state: (await googleCode(account)).state });
      expect(crossed.status).toBe(400);
      expect(crossed.body.error.status).toBe('INVALID_ARGUMENT');
      // a's flow is intact: its own state still works, once.
      expect((await exchange(a)).status).toBe(200);
      const c = await googleCode(account);
      const reused = await exchange({ code: a.code, state: c.state });
      expect(reused.status).toBe(400);

      const late = await googleCode(account);
      app.clock.advance(10 * 60_000 + 1);
      const expired = await app.auth.call('ExchangeOAuthCode', { ...late, ...grpcDevice() }).catch((e: GrpcError) => e);
      expect((expired as GrpcError).code).toBe(grpc.status.INVALID_ARGUMENT);
      // The expiry sweep deletes expired flows and keeps live ones (each new flow also clears up to 100).
      const stale = await googleCode(account);
      app.clock.advance(10 * 60_000 + 1);
      const swept = await app.running.app.get(ExpirySweeper).runOnce();
      expect(swept?.['OAuth flows']).toBeGreaterThanOrEqual(1);
      expect(await app.db.sql('SELECT 1 FROM oauth_flows WHERE state_hash = $1', [sha256(stale.state)])).toHaveLength(0);
      const live = await start('OAUTH_PROVIDER_GOOGLE');
      expect(await app.db.sql('SELECT 1 FROM oauth_flows WHERE expires_at <= $1', [app.clock.now()])).toHaveLength(0);
      expect(await app.db.sql('SELECT 1 FROM oauth_flows WHERE state_hash = $1', [sha256(live.state)])).toHaveLength(1);
    });

    it('an ID token with a wrong nonce, audience or issuer, expired, or signed by a foreign key signs nobody in', async () => {
      for (const mode of ['wrong-nonce', 'wrong-aud', 'wrong-iss', 'expired', 'foreign-key', 'no-id-token'] as const) {
        const email = uniqueEmail(mode);
        const c = await hostileCode(microsoft, 'OAUTH_PROVIDER_MICROSOFT', mode, { sub: `ms-${randomUUID()}`, email, email_verified: true });
        const res = await exchange(c);
        expect(res.status, `${mode}: ${res.text}`).toBe(400);
        expect(res.body.error.status).toBe('INVALID_ARGUMENT');
        expect(res.text).not.toContain(c.code);
        expect(await app.db.sql('SELECT 1 FROM users WHERE email = $1', [email]), mode).toHaveLength(0);
      }
      // A subject no OpenID provider may send (over 255 characters) is refused, not a database error.
      const longSub = await hostileCode(microsoft, 'OAUTH_PROVIDER_MICROSOFT', 'ok', { sub: 's'.repeat(300), email: uniqueEmail('long'), email_verified: true });
      expect((await exchange(longSub)).status).toBe(400);
      const wrongNonce = await hostileCode(microsoft, 'OAUTH_PROVIDER_MICROSOFT', 'wrong-nonce', { sub: 'x' });
      expect((await failure(app.auth.call('ExchangeOAuthCode', { ...wrongNonce, ...grpcDevice() }))).code).toBe(grpc.status.INVALID_ARGUMENT);
      // The control: the same provider with a proper ID token works.
      const ok = await hostileCode(microsoft, 'OAUTH_PROVIDER_MICROSOFT', 'ok', { sub: `ms-${randomUUID()}`, email: uniqueEmail('ms'), email_verified: true });
      expect((await exchange(ok)).body.status).toBe('AUTH_STATUS_SUCCESS');
    });

    it('a provider answering 503 or too late is UNAVAILABLE, never INTERNAL', async () => {
      const down = await hostileCode(microsoft, 'OAUTH_PROVIDER_MICROSOFT', 'status-503', { sub: 'x' });
      const res = await exchange(down);
      expect(res.status).toBe(503);
      expect(res.body.error.status).toBe('UNAVAILABLE');
      const slow = await hostileCode(microsoft, 'OAUTH_PROVIDER_MICROSOFT', 'slow', { sub: 'x' });
      expect((await failure(app.auth.call('ExchangeOAuthCode', { ...slow, ...grpcDevice() }))).code).toBe(grpc.status.UNAVAILABLE);
      // Operators see which provider failed and how, without codes or tokens.
      const warnings = app.logs.filter((l) => l.includes('OAuth provider call failed'));
      expect(warnings.some((l) => l.includes('"provider":"microsoft"') && l.includes('"status":503'))).toBe(true);
      expect(warnings.some((l) => l.includes('OAUTH_TIMEOUT'))).toBe(true);
      for (const c of [down.code, slow.code]) expect(app.logs.join('\n')).not.toContain(c);
    });

    it('pre-account-takeover: a verified provider email links only to an account whose email is verified, with a notice mail', async () => {
      const owner = await signUpAs(app, undefined, 'victim');
      const account = newGoogleAccount({ email: owner.email, email_verified: true });
      // The account has not verified its address: no link, no second account.
      const refused = await exchange(await googleCode(account));
      expect(refused.status).toBe(409);
      expect(refused.body.error.status).toBe('ALREADY_EXISTS');
      expect(refused.body.error.message).toMatch(/sign in to that account and link/);
      expect(await app.db.sql('SELECT 1 FROM oauth_accounts WHERE user_id = $1', [owner.id])).toHaveLength(0);
      expect(await app.db.sql('SELECT 1 FROM users WHERE email = $1', [owner.email])).toHaveLength(1);

      await app.db.sql('UPDATE users SET email_verified = true WHERE id = $1', [owner.id]);
      const linked = await exchange(await googleCode(account));
      expect(linked.body.status, linked.text).toBe('AUTH_STATUS_SUCCESS');
      expect(linked.body.user.userId).toBe(owner.id);
      expect(linked.body.user.linkedProviders).toEqual(['OAUTH_PROVIDER_GOOGLE']);
      const mails = await smtp.waitFor(owner.email, 2);
      expect(mails.some((m) => /Google sign-in was added/.test(m.subject))).toBe(true);
    });

    it('an unverified provider email never links to (or duplicates) an existing account, even a verified one', async () => {
      const owner = await signUpAs(app, undefined, 'owner');
      await app.db.sql('UPDATE users SET email_verified = true WHERE id = $1', [owner.id]);
      const c = await hostileCode(microsoft, 'OAUTH_PROVIDER_MICROSOFT', 'ok', { sub: `ms-${randomUUID()}`, email: owner.email.toUpperCase(), email_verified: false });
      const res = await exchange(c);
      expect(res.status).toBe(409);
      expect(await app.db.sql('SELECT 1 FROM oauth_accounts WHERE user_id = $1', [owner.id])).toHaveLength(0);
      expect(await app.db.sql('SELECT 1 FROM users WHERE email = $1', [owner.email])).toHaveLength(1);
      // Facebook addresses count as unverified too.
      oauth2.nextFacebookUser({ id: String(Date.now()), name: 'Owner', email: owner.email });
      expect((await exchange(await oauth2Code('OAUTH_PROVIDER_FACEBOOK'))).status).toBe(409);
    });

    it('an account with TOTP answers MFA_REQUIRED; a suspended one SUSPENDED', async () => {
      const account = newGoogleAccount();
      const first = await exchange(await googleCode(account));
      const token = first.body.tokens.accessToken as string;
      const setup = await app.http('POST', '/v1/auth/mfa/setup', { token, body: { method: 'MFA_METHOD_TOTP' } });
      expect(setup.status, setup.text).toBe(200);
      const code = generateSync({ secret: setup.body.secret, epoch: Math.floor(app.clock.now().getTime() / 1000) });
      const confirm = await app.http('POST', '/v1/auth/mfa/setup/confirm', { token, body: { setupToken: setup.body.setupToken, code } });
      expect(confirm.status, confirm.text).toBe(200);
      const mfa = await exchange(await googleCode(account));
      expect(mfa.body.status).toBe('AUTH_STATUS_MFA_REQUIRED');
      expect(mfa.body.mfaChallenge.challengeToken).toBeTruthy();
      expect(mfa.body.tokens).toBeUndefined();

      await app.db.sql("UPDATE users SET status = 'suspended' WHERE id = $1", [first.body.user.userId]);
      const suspended = await exchange(await googleCode(account));
      expect(suspended.body.status).toBe('AUTH_STATUS_SUSPENDED');
      expect(suspended.body.tokens).toBeUndefined();
    });

    it('GitHub: the primary verified address from /user/emails; without one, no address; a refused code is INVALID_ARGUMENT', async () => {
      const email = uniqueEmail('gh');
      oauth2.nextGitHubUser({ id: 9_000_001 + Math.floor(Math.random() * 1e6), login: 'octo', name: 'Octo Cat', emails: [
        { email: uniqueEmail('other'), primary: false, verified: true },
        { email, primary: true, verified: true },
      ] });
      const res = await exchange(await oauth2Code('OAUTH_PROVIDER_GITHUB'));
      expect(res.body.status, res.text).toBe('AUTH_STATUS_SUCCESS');
      expect(res.body.user).toMatchObject({ email, emailVerified: true, displayName: 'Octo Cat', linkedProviders: ['OAUTH_PROVIDER_GITHUB'] });

      oauth2.nextGitHubUser({ id: 9_500_001 + Math.floor(Math.random() * 1e6), login: 'anon', emails: [{ email: uniqueEmail('unverified'), primary: true, verified: false }] });
      const noEmail = await exchange(await oauth2Code('OAUTH_PROVIDER_GITHUB'));
      expect(noEmail.body.user).toMatchObject({ email: '', emailVerified: false, displayName: 'anon' });

      const c = await oauth2Code('OAUTH_PROVIDER_GITHUB');
      const bad = await exchange({ code: 'not-the-code', state: c.state });
      expect(bad.status).toBe(400);
      expect(bad.body.error.status).toBe('INVALID_ARGUMENT');
    });

    it('Facebook (addresses count as unverified): a new account does not take the address, so nobody can park someone else\'s', async () => {
      const email = uniqueEmail('fb');
      const id = String(10_000_000 + Math.floor(Math.random() * 1e7));
      oauth2.nextFacebookUser({ id, name: 'Face Book', email });
      const res = await exchange(await oauth2Code('OAUTH_PROVIDER_FACEBOOK'));
      expect(res.body.user).toMatchObject({ email: '', emailVerified: false, hasPassword: false, displayName: 'Face Book', linkedProviders: ['OAUTH_PROVIDER_FACEBOOK'] });
      const token = res.body.tokens.accessToken as string;
      expect((await app.http('GET', '/v1/auth/oauth/providers', { token })).body.providers[0]).toMatchObject({ providerUserId: id, email });
      // The address stays free for its owner, and no mail went to it.
      expect((await app.http('POST', '/v1/auth/signup', { body: { identifier: email, password: 'correct-horse-7', ...device() } })).status).toBe(200);
      oauth2.nextFacebookUser({ id, name: 'Face Book', email });
      expect((await exchange(await oauth2Code('OAUTH_PROVIDER_FACEBOOK'))).body.user.userId).toBe(res.body.user.userId);
    });

    it('Apple: form_post response mode, a client secret JWT signed with the team key, email_verified as a string', async () => {
      // First contact while Apple's discovery fails: UNAVAILABLE, and the failure is not kept.
      apple.discoveryStatus = 503;
      const down = await app.http('POST', '/v1/auth/oauth/url', { body: { provider: 'OAUTH_PROVIDER_APPLE', redirectUri: REDIRECT } });
      expect(down.status).toBe(503);
      expect(down.body.error.status).toBe('UNAVAILABLE');
      apple.discoveryStatus = undefined;
      const email = uniqueEmail('apple');
      const c = await hostileCode(apple, 'OAUTH_PROVIDER_APPLE', 'ok', { sub: `000123.${randomUUID()}`, email, email_verified: 'true' });
      expect(new URL(c.authorizationUrl).searchParams.get('response_mode')).toBe('form_post');
      const res = await exchange(c);
      expect(res.body.status, res.text).toBe('AUTH_STATUS_SUCCESS');
      expect(res.body.user).toMatchObject({ email, emailVerified: true, linkedProviders: ['OAUTH_PROVIDER_APPLE'] });
      expect(apple.tokenRequests.at(-1)!.get('client_secret')!.split('.')).toHaveLength(3);
    });

    it('a generic OpenID provider (OAUTH_OIDC_ISSUER) appears as OAUTH_PROVIDER_OIDC; the address comes from UserInfo', async () => {
      const id = `sso-${randomUUID()}`;
      const email = uniqueEmail('sso');
      sso.setAccount(id, { email, email_verified: true, name: 'Company User' });
      const flow = await start('OAUTH_PROVIDER_OIDC');
      const back = await sso.signIn(flow.authorizationUrl, id, REDIRECT);
      const res = await exchange({ code: back.searchParams.get('code')!, state: flow.state });
      expect(res.body.user, res.text).toMatchObject({ email, emailVerified: true, linkedProviders: ['OAUTH_PROVIDER_OIDC'] });
    });
  });

  describe('LinkOAuthProvider, ListLinkedProviders, UnlinkOAuthProvider', () => {
    it('links a provider to the signed-in user only with a flow that user started; an identity linked elsewhere is ALREADY_EXISTS', async () => {
      const user = await signUpAs(app, undefined, 'linker');
      const stranger = await signUpAs(app, undefined, 'stranger');
      const ghId = 7_000_001 + Math.floor(Math.random() * 1e6);
      const ghUser = { id: ghId, login: 'linker', emails: [{ email: uniqueEmail('ghl'), primary: true, verified: true }] };

      // A flow started without a token cannot link.
      oauth2.nextGitHubUser(ghUser);
      const anonymous = await oauth2Code('OAUTH_PROVIDER_GITHUB');
      expect((await app.http('POST', '/v1/auth/oauth/link', { token: user.accessToken, body: anonymous })).status).toBe(400);
      // Another user's flow (a link CSRF) cannot either, and does not burn it.
      oauth2.nextGitHubUser(ghUser);
      const mine = await oauth2Code('OAUTH_PROVIDER_GITHUB', user.accessToken);
      const csrf = await failure(app.auth.call('LinkOAuthProvider', mine, bearer(stranger.accessToken)));
      expect(csrf.code).toBe(grpc.status.INVALID_ARGUMENT);
      await app.auth.call('LinkOAuthProvider', mine, bearer(user.accessToken));

      const listed = await app.http('GET', '/v1/auth/oauth/providers', { token: user.accessToken });
      expect(listed.status).toBe(200);
      expect(listed.body.providers).toEqual([
        { provider: 'OAUTH_PROVIDER_GITHUB', providerUserId: String(ghId), email: ghUser.emails[0].email, linkedAt: app.clock.now().toISOString() },
      ]);
      const viaGrpc = await app.auth.call('ListLinkedProviders', {}, bearer(user.accessToken));
      expect(viaGrpc.providers[0].provider).toBe('OAUTH_PROVIDER_GITHUB');
      expect((await app.auth.call('ValidateCredentials', {}, bearer(user.accessToken))).user.linkedProviders).toEqual(['OAUTH_PROVIDER_GITHUB']);

      // The same GitHub user for the stranger: linked elsewhere.
      oauth2.nextGitHubUser(ghUser);
      const taken = await app.http('POST', '/v2/auth/oauth/link', { token: stranger.accessToken, body: await oauth2Code('OAUTH_PROVIDER_GITHUB', stranger.accessToken) });
      expect(taken.status).toBe(409);
      expect(taken.body.error.status).toBe('ALREADY_EXISTS');
      // Signing in with it reaches the user it is linked to.
      oauth2.nextGitHubUser(ghUser);
      expect((await exchange(await oauth2Code('OAUTH_PROVIDER_GITHUB'))).body.user.userId).toBe(user.id);
      // Linking it again is a no-op; a second GitHub identity for the same account is refused.
      oauth2.nextGitHubUser(ghUser);
      expect((await app.http('POST', '/v1/auth/oauth/link', { token: user.accessToken, body: await oauth2Code('OAUTH_PROVIDER_GITHUB', user.accessToken) })).status).toBe(204);
      oauth2.nextGitHubUser({ ...ghUser, id: ghId + 1 });
      const second = await app.http('POST', '/v1/auth/oauth/link', { token: user.accessToken, body: await oauth2Code('OAUTH_PROVIDER_GITHUB', user.accessToken) });
      expect(second.status).toBe(400);
      expect(second.body.error.status).toBe('FAILED_PRECONDITION');
      expect(await app.db.sql('SELECT subject FROM oauth_accounts WHERE user_id = $1', [user.id])).toEqual([{ subject: String(ghId) }]);
    });

    it('a deleted account frees its identities: the next sign-in with one creates a new account', async () => {
      const account = newGoogleAccount();
      const first = await exchange(await googleCode(account));
      await app.db.sql("UPDATE users SET status = 'deleted', deleted_at = now() WHERE id = $1", [first.body.user.userId]);
      const again = await exchange(await googleCode(account));
      expect(again.body.status, again.text).toBe('AUTH_STATUS_SUCCESS');
      expect(again.body.user.userId).not.toBe(first.body.user.userId);
      expect(await app.db.sql('SELECT user_id FROM oauth_accounts WHERE provider = $1 AND subject = $2', ['google', account])).toEqual([{ user_id: again.body.user.userId }]);
    });

    it('unlinking refuses to remove the last way in, also when two unlinks race', async () => {
      const first = await exchange(await googleCode(newGoogleAccount()));
      const token = first.body.tokens.accessToken as string;
      const userId = first.body.user.userId as string;
      oauth2.nextGitHubUser({ id: 8_000_001 + Math.floor(Math.random() * 1e6), login: 'two', emails: [] });
      expect((await app.http('POST', '/v1/auth/oauth/link', { token, body: await oauth2Code('OAUTH_PROVIDER_GITHUB', token) })).status).toBe(204);

      const [a, b] = await Promise.all([
        app.http('DELETE', '/v1/auth/oauth/providers/OAUTH_PROVIDER_GOOGLE', { token }),
        app.http('DELETE', '/v1/auth/oauth/providers/2', { token }),
      ]);
      expect([a.status, b.status].sort()).toEqual([204, 400]);
      const refused = a.status === 400 ? a : b;
      expect(refused.body.error.status).toBe('FAILED_PRECONDITION');
      expect(await app.db.sql('SELECT 1 FROM oauth_accounts WHERE user_id = $1', [userId])).toHaveLength(1);

      const left = (await app.auth.call('ListLinkedProviders', {}, bearer(token))).providers[0].provider as string;
      const last = await failure(app.auth.call('UnlinkOAuthProvider', { provider: left }, bearer(token)));
      expect(last.code).toBe(grpc.status.FAILED_PRECONDITION);
      const notLinked = await app.http('DELETE', '/v1/auth/oauth/providers/OAUTH_PROVIDER_FACEBOOK', { token });
      expect(notLinked.status).toBe(404);
      // With a password it may go.
      await app.db.sql("UPDATE users SET password_hash = 'x' WHERE id = $1", [userId]);
      expect((await app.http('DELETE', `/v1/auth/oauth/providers/${left}`, { token })).status).toBe(204);
    });
  });
});
