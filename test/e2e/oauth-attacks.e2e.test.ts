import { randomBytes, randomUUID } from 'node:crypto';
import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { clientInfo, credentials, PASSWORD, uniqueEmail } from '../support/factories';
import { startFakeOAuth2, type FakeOAuth2 } from '../support/fake-oauth2';
import { bearer, grpc, type GrpcError } from '../support/grpc-client';
import { HUGE_ANSWER_BYTES, startHostileOp, type HostileOp, type HostileUser, type TokenMode } from '../support/hostile-op';
import { startOidcOp, type OidcOp } from '../support/oidc-op';
import { signUpAs } from '../support/users';

const REDIRECT = 'https://app.example.com/oauth/callback';
const MS_SECRET = 'ms-client-secret-0123456789abcdef';

/**
 * An attacker's requests against social sign-in (oauth.e2e.test.ts has the working
 * flows): ID token substitution, provider challenges, redirect URI look-alikes, a stolen
 * access token linking the attacker's identity, and races of one identity.
 */
describe('social sign-in under attack', () => {
  let app: TestApp;
  let google: OidcOp;
  let microsoft: HostileOp;
  let oauth2: FakeOAuth2;

  beforeAll(async () => {
    [google, microsoft, oauth2] = await Promise.all([
      startOidcOp({ redirectUris: [REDIRECT] }),
      startHostileOp({ clientId: 'ms-client', clientSecret: MS_SECRET }),
      startFakeOAuth2(),
    ]);
    app = await bootTestApp({
      MFA_ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}`,
      OAUTH_ALLOW_INSECURE_HTTP: 'true',
      OAUTH_REDIRECT_URIS: REDIRECT,
      OAUTH_HTTP_TIMEOUT_MS: '1000',
      OAUTH_GOOGLE_CLIENT_ID: google.clientId,
      OAUTH_GOOGLE_CLIENT_SECRET: google.clientSecret,
      OAUTH_GOOGLE_ISSUER: google.issuer,
      OAUTH_MICROSOFT_CLIENT_ID: 'ms-client',
      OAUTH_MICROSOFT_CLIENT_SECRET: MS_SECRET,
      OAUTH_MICROSOFT_ISSUER: microsoft.issuer,
      OAUTH_GITHUB_CLIENT_ID: oauth2.clientId,
      OAUTH_GITHUB_CLIENT_SECRET: oauth2.clientSecret,
      OAUTH_GITHUB_ISSUER: oauth2.url,
      OAUTH_GITHUB_API_URL: oauth2.url,
    });
  });
  afterAll(async () => {
    await app?.close();
    await Promise.all([google?.close(), microsoft?.close(), oauth2?.close()]);
  });

  const device = () => ({ installationId: randomUUID(), clientInfo: clientInfo() });
  const grpcDevice = () => ({ installationId: { value: randomUUID() }, clientInfo: clientInfo() });
  const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected the call to fail'); }, (e: GrpcError) => e);
  const exchange = (c: { code: string; state: string }) => app.http('POST', '/v1/auth/oauth/exchange', { body: { ...c, ...device() } });
  const reasonOf = (body: { error: { details: { reason?: string }[] } }) => body.error.details.find((d) => d.reason)?.reason;

  async function start(provider: string, token?: string) {
    const res = await app.http('POST', '/v1/auth/oauth/url', { token, body: { provider, redirectUri: REDIRECT } });
    expect(res.status, res.text).toBe(200);
    return res.body as { authorizationUrl: string; state: string };
  }

  async function msCode(mode: TokenMode, user: HostileUser) {
    const flow = await start('OAUTH_PROVIDER_MICROSOFT');
    microsoft.next(mode, user);
    const back = await microsoft.authorize(flow.authorizationUrl);
    return { code: back.searchParams.get('code')!, state: flow.state };
  }

  async function googleCode(accountId: string, token?: string) {
    const flow = await start('OAUTH_PROVIDER_GOOGLE', token);
    const back = await google.signIn(flow.authorizationUrl, accountId, REDIRECT);
    return { code: back.searchParams.get('code')!, state: flow.state };
  }

  async function gitHubCode(token?: string) {
    const flow = await start('OAUTH_PROVIDER_GITHUB', token);
    const back = await oauth2.authorize(flow.authorizationUrl);
    return { code: back.searchParams.get('code')!, state: flow.state };
  }

  it('an unsigned, HS256 (client secret as key), nonce-less or other-azp ID token for a victim\'s verified address signs nobody in', async () => {
    const victim = await signUpAs(app, undefined, 'victim');
    await app.db.sql('UPDATE users SET email_verified = true WHERE id = $1', [victim.id]);
    for (const mode of ['alg-none', 'hs256', 'no-nonce', 'foreign-azp'] as const) {
      const c = await msCode(mode, { sub: `ms-${randomUUID()}`, email: victim.email, email_verified: true });
      const res = await exchange(c);
      expect(res.status, `${mode}: ${res.text}`).toBe(400);
      expect(reasonOf(res.body), mode).toBe('OAUTH_CODE_INVALID');
    }
    expect(await app.db.sql('SELECT 1 FROM oauth_accounts WHERE user_id = $1', [victim.id])).toHaveLength(0);
    // UserInfo answering for another subject cannot lend the victim's address to the signed-in subject.
    const other = await msCode('userinfo-other-sub', { sub: `ms-${randomUUID()}`, userinfo: { email: victim.email, email_verified: true } });
    const substituted = await exchange(other);
    expect(substituted.status, substituted.text).toBe(400);
    expect(await app.db.sql('SELECT 1 FROM oauth_accounts WHERE user_id = $1', [victim.id])).toHaveLength(0);
    // The control: the same provider with a proper token and UserInfo links (both sides verified).
    const ok = await msCode('ok', { sub: `ms-${randomUUID()}`, userinfo: { email: victim.email, email_verified: true } });
    expect((await exchange(ok)).body.user?.userId).toBe(victim.id);
  });

  it('a provider answering with a WWW-Authenticate challenge (token endpoint or UserInfo) is UNAVAILABLE, never INTERNAL', async () => {
    const refused = await msCode('challenge-401', { sub: `ms-${randomUUID()}` });
    const res = await exchange(refused);
    expect(res.status, res.text).toBe(503);
    expect(res.body.error.status).toBe('UNAVAILABLE');
    const userinfo = await msCode('userinfo-challenge', { sub: `ms-${randomUUID()}` });
    const viaGrpc = await failure(app.auth.call('ExchangeOAuthCode', { ...userinfo, ...grpcDevice() }));
    expect(viaGrpc.code).toBe(grpc.status.UNAVAILABLE);
    const warnings = app.logs.filter((l) => l.includes('OAuth provider call failed'));
    expect(warnings.some((l) => l.includes('"provider":"microsoft"') && l.includes('"status":401'))).toBe(true);
    const logs = app.logs.join('\n');
    for (const secret of [refused.code, refused.state, userinfo.code, MS_SECRET]) expect(logs).not.toContain(secret);
    expect(logs).not.toContain('Unhandled error');
  });

  it('a provider streaming a 64 MiB token answer is UNAVAILABLE and is read no further than the answer bound', async () => {
    const flood = await msCode('huge-answer', { sub: `ms-${randomUUID()}` });
    const res = await exchange(flood);
    expect(res.status, res.text).toBe(503);
    expect(reasonOf(res.body)).toBe('OAUTH_PROVIDER_UNAVAILABLE');
    // The service stopped reading and closed: what the provider managed to hand its socket is
    // the bound (256 KiB) plus what the kernel buffers hold, far from the whole answer.
    expect(await microsoft.hugeAnswerSent).toBeLessThan(HUGE_ANSWER_BYTES / 4);
  });

  it('a user API answer over the bound (GitHub /user) is UNAVAILABLE and creates no account', async () => {
    const id = 24_000_001 + Math.floor(Math.random() * 1e6);
    oauth2.nextGitHubUser({ id, login: 'padded', name: 'x'.repeat(1024 * 1024), emails: [{ email: uniqueEmail('padded'), primary: true, verified: true }] });
    const res = await exchange(await gitHubCode());
    expect(res.status, res.text).toBe(503);
    expect(reasonOf(res.body)).toBe('OAUTH_PROVIDER_UNAVAILABLE');
    expect(await app.db.sql('SELECT 1 FROM oauth_accounts WHERE provider = $1 AND subject = $2', ['github', String(id)])).toEqual([]);
  });

  it('redirect URI look-alikes (userinfo, fragment, port, scheme, encoding, whitespace) are refused on both transports', async () => {
    const lookAlikes = [
      'https://app.example.com@evil.example.com/oauth/callback',
      'https://app.example.com.evil.example.com/oauth/callback',
      `${REDIRECT}#@evil.example.com`,
      `${REDIRECT}/../../evil`,
      'https://app.example.com:443/oauth/callback',
      'http://app.example.com/oauth/callback',
      'https://app.example.com/oauth/%63allback',
      ` ${REDIRECT}`,
      `${REDIRECT}\t`,
      'https://app.exаmple.com/oauth/callback', // Cyrillic а
    ];
    for (const redirectUri of lookAlikes) {
      const res = await app.http('POST', '/v1/auth/oauth/url', { body: { provider: 'OAUTH_PROVIDER_GOOGLE', redirectUri } });
      expect(res.status, redirectUri).toBe(400);
      const err = await failure(app.auth.call('GetOAuthUrl', { provider: 'OAUTH_PROVIDER_GITHUB', redirectUri }));
      expect(err.code, redirectUri).toBe(grpc.status.INVALID_ARGUMENT);
    }
    expect(await app.db.sql('SELECT 1 FROM oauth_flows WHERE redirect_uri <> $1', [REDIRECT])).toHaveLength(0);
  });

  it('oversized or odd state, code, state_data, scopes and providers are INVALID_ARGUMENT naming the field on both transports; nothing is stored', async () => {
    const user = await signUpAs(app, undefined, 'odd');
    const url = { provider: 'OAUTH_PROVIDER_GOOGLE', redirectUri: REDIRECT };
    const flowsBefore = (await app.db.sql('SELECT 1 FROM oauth_flows')).length;
    const cases: [string, Record<string, unknown>, string][] = [
      ['/v1/auth/oauth/url', { ...url, stateData: 'x'.repeat(2049) }, 'stateData'],
      ['/v1/auth/oauth/url', { ...url, stateData: 'a\u0000b' }, 'stateData'],
      ['/v1/auth/oauth/url', { ...url, scopes: Array.from({ length: 21 }, (_, i) => `s${i}`) }, 'scopes'],
      ['/v1/auth/oauth/url', { ...url, scopes: ['openid email'] }, 'scopes'],
      ['/v1/auth/oauth/url', { ...url, scopes: ['x'.repeat(101)] }, 'scopes'],
      ['/v1/auth/oauth/url', { ...url, redirectUri: `${REDIRECT}${'a'.repeat(2048)}` }, 'redirectUri'],
      ['/v1/auth/oauth/url', { ...url, provider: 99 }, 'provider'],
      ['/v1/auth/oauth/exchange', { code: 'c', state: 's'.repeat(257), ...device() }, 'state'],
      ['/v1/auth/oauth/exchange', { code: 'c'.repeat(2049), state: 's', ...device() }, 'code'],
      ['/v1/auth/oauth/exchange', { code: 'c\u0000', state: 's', ...device() }, 'code'],
      ['/v1/auth/oauth/exchange', { code: '', state: 's', ...device() }, 'code'],
      ['/v1/auth/oauth/link', { code: 'c', state: 's'.repeat(257) }, 'state'],
    ];
    for (const [path, body, field] of cases) {
      const res = await app.http('POST', path, { token: path.endsWith('link') ? user.accessToken : undefined, body });
      expect(res.status, `${path} ${field}: ${res.text}`).toBe(400);
      expect(res.body.error.status).toBe('INVALID_ARGUMENT');
      expect(JSON.stringify(res.body.error.details), field).toContain(field);
    }
    const viaGrpc = await failure(app.auth.call('GetOAuthUrl', { ...url, stateData: 'x'.repeat(2049) }));
    expect(viaGrpc.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(viaGrpc.fieldViolations.map((v) => v.field)).toContain('state_data');
    const longState = await failure(app.auth.call('ExchangeOAuthCode', { code: 'c', state: 's'.repeat(257), ...grpcDevice() }));
    expect(longState.fieldViolations.map((v) => v.field)).toContain('state');
    for (const provider of ['OAUTH_PROVIDER_UNSPECIFIED', '0', '99', '..%2F..%2Fusers', 'oauth_provider_google']) {
      const res = await app.http('DELETE', `/v1/auth/oauth/providers/${provider}`, { token: user.accessToken });
      expect(res.status, `${provider}: ${res.text}`).toBe(400);
    }
    expect((await app.db.sql('SELECT 1 FROM oauth_flows')).length).toBe(flowsBefore);
  });

  it('a stolen access token of a session that signed in long ago cannot link the attacker\'s identity (REAUTH_REQUIRED)', async () => {
    const victim = await signUpAs(app, undefined, 'stolen');
    app.clock.advance(11 * 60_000);
    // The thief starts a link flow with the victim's token and completes it as their own GitHub user.
    const early = await app.http('POST', '/v1/auth/oauth/url', { token: victim.accessToken, body: { provider: 'OAUTH_PROVIDER_GITHUB', redirectUri: REDIRECT } });
    expect(early.status, early.text).toBe(400);
    expect(reasonOf(early.body)).toBe('REAUTH_REQUIRED');
    // A flow started while the session was fresh does not outlive the rule either.
    const fresh = await signUpAs(app, undefined, 'fresh');
    app.clock.advance(5 * 60_000);
    oauth2.nextGitHubUser({ id: 20_000_001 + Math.floor(Math.random() * 1e6), login: 'thief', emails: [] });
    const c = await gitHubCode(fresh.accessToken);
    app.clock.advance(6 * 60_000);
    const late = await failure(app.auth.call('LinkOAuthProvider', c, bearer(fresh.accessToken)));
    expect(late.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(late.reason).toBe('REAUTH_REQUIRED');
    expect(await app.db.sql('SELECT 1 FROM oauth_accounts WHERE user_id = ANY($1)', [[victim.id, fresh.id]])).toHaveLength(0);
    // Signing in again makes the session fresh: the owner can link.
    const again = await app.http('POST', '/v1/auth/authenticate', { body: credentials(fresh.email, PASSWORD) });
    expect(again.body.status, again.text).toBe('AUTH_STATUS_SUCCESS');
    const token = again.body.tokens.accessToken as string;
    oauth2.nextGitHubUser({ id: 21_000_001 + Math.floor(Math.random() * 1e6), login: 'owner', emails: [] });
    expect((await app.http('POST', '/v1/auth/oauth/link', { token, body: await gitHubCode(token) })).status).toBe(204);
  });

  it('a provider address reaching a suspended, deleted or second-factor account links nothing without the account\'s own checks', async () => {
    const verified = async (prefix: string) => {
      const account = await signUpAs(app, undefined, prefix);
      await app.db.sql('UPDATE users SET email_verified = true WHERE id = $1', [account.id]);
      return account;
    };
    const googleAs = (email: string) => {
      const id = `g-${randomUUID()}`;
      google.setAccount(id, { email, email_verified: true, name: 'Look Alike' });
      return id;
    };
    // Suspended: SUSPENDED, and no link is written for later.
    const suspended = await verified('suspended');
    await app.db.sql("UPDATE users SET status = 'suspended' WHERE id = $1", [suspended.id]);
    const s = await exchange(await googleCode(googleAs(suspended.email)));
    expect(s.body.status, s.text).toBe('AUTH_STATUS_SUSPENDED');
    expect(s.body.tokens).toBeUndefined();
    expect(await app.db.sql('SELECT 1 FROM oauth_accounts WHERE user_id = $1', [suspended.id])).toHaveLength(0);
    // Deleted: the address is free, a new account gets it; the deleted one is not revived.
    const deleted = await verified('deleted');
    await app.db.sql("UPDATE users SET status = 'deleted', deleted_at = now() WHERE id = $1", [deleted.id]);
    const d = await exchange(await googleCode(googleAs(deleted.email)));
    expect(d.body.status, d.text).toBe('AUTH_STATUS_SUCCESS');
    expect(d.body.user.userId).not.toBe(deleted.id);
    // A second factor: the address links, but signing in still needs the code.
    const mfa = await verified('mfa');
    const setup = await app.http('POST', '/v1/auth/mfa/setup', { token: mfa.accessToken, body: { method: 'MFA_METHOD_TOTP' } });
    expect(setup.status, setup.text).toBe(200);
    const code = generateSync({ secret: setup.body.secret, epoch: Math.floor(app.clock.now().getTime() / 1000) });
    expect((await app.http('POST', '/v1/auth/mfa/setup/confirm', { token: mfa.accessToken, body: { setupToken: setup.body.setupToken, code } })).status).toBe(200);
    const m = await exchange(await googleCode(googleAs(mfa.email.toUpperCase())));
    expect(m.body.status, m.text).toBe('AUTH_STATUS_MFA_REQUIRED');
    expect(m.body.tokens).toBeUndefined();
  });

  it('a link flow of an account suspended (or deleted) before the code comes back links nothing', async () => {
    for (const status of ['suspended', 'deleted']) {
      const user = await signUpAs(app, undefined, status);
      oauth2.nextGitHubUser({ id: 23_000_001 + Math.floor(Math.random() * 1e6), login: status, emails: [] });
      const c = await gitHubCode(user.accessToken);
      await app.db.sql(`UPDATE users SET status = $2, deleted_at = ${status === 'deleted' ? 'now()' : 'NULL'} WHERE id = $1`, [user.id, status]);
      const res = await app.http('POST', '/v1/auth/oauth/link', { token: user.accessToken, body: c });
      expect([401, 403], `${status}: ${res.text}`).toContain(res.status);
      expect(await app.db.sql('SELECT 1 FROM oauth_accounts WHERE user_id = $1', [user.id])).toHaveLength(0);
    }
  });

  it('one GitHub identity linked to two accounts in parallel lands on exactly one', async () => {
    const [a, b] = await Promise.all([signUpAs(app, undefined, 'pa'), signUpAs(app, undefined, 'pb')]);
    const gh = { id: 22_000_001 + Math.floor(Math.random() * 1e6), login: 'shared', emails: [] };
    oauth2.nextGitHubUser(gh);
    const ca = await gitHubCode(a.accessToken);
    const cb = await gitHubCode(b.accessToken);
    const answers = await Promise.all([
      app.http('POST', '/v1/auth/oauth/link', { token: a.accessToken, body: ca }),
      app.http('POST', '/v1/auth/oauth/link', { token: b.accessToken, body: cb }),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([204, 409]);
    expect(await app.db.sql('SELECT user_id FROM oauth_accounts WHERE provider = $1 AND subject = $2', ['github', String(gh.id)])).toHaveLength(1);
  });

  it('first sign-ins of one new identity racing end in one account they all sign in to', async () => {
    for (const email of [uniqueEmail('race'), undefined]) {
      const id = `g-${randomUUID()}`;
      google.setAccount(id, email ? { email, email_verified: true, name: 'Racer' } : { name: 'Racer' });
      const flows = [];
      for (let i = 0; i < 4; i++) flows.push(await googleCode(id));
      const answers = await Promise.all(flows.map(exchange));
      for (const r of answers) expect(r.status, r.text).toBe(200);
      expect(new Set(answers.map((r) => r.body.user.userId as string)).size).toBe(1);
      expect(await app.db.sql('SELECT 1 FROM oauth_accounts WHERE provider = $1 AND subject = $2', ['google', id])).toHaveLength(1);
    }
  });
});
