import { randomBytes } from 'node:crypto';
import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { credentials, forGrpc, PASSWORD, uniqueEmail } from '../support/factories';
import { bearer, grpc, type GrpcError } from '../support/grpc-client';

const KEY = `k1:${randomBytes(32).toString('base64url')}`;
const MAX_FAILED = 8;
/** REAUTH_MAX_AGE_MINUTES is left at its default. */
const REAUTH_MS = 10 * 60_000;

/**
 * Changing the second factor needs proof that the caller is the account holder now
 * (issue 15): SetupMfa a recent primary sign-in of the session or the password,
 * DisableMfa the password and a current TOTP or recovery code. The attacker here
 * holds a session (a stolen refresh token keeps it alive) but not the password.
 */
describe('proof for second-factor changes', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp({ MFA_ENCRYPTION_KEY: KEY, MAX_FAILED_LOGIN_ATTEMPTS: String(MAX_FAILED) });
  });
  afterAll(async () => {
    await app?.close();
  });

  const totp = (secret: string, offsetSteps = 0) =>
    generateSync({ secret, epoch: Math.floor(app.clock.now().getTime() / 1000) + offsetSteps * 30 });

  /** A 6-digit code no window of the secret accepts now. */
  function wrongTotp(secret: string): string {
    const accepted = new Set([-1, 0, 1].map((s) => totp(secret, s)));
    for (let n = 100_000; ; n += 7919) if (!accepted.has(String(n))) return String(n);
  }

  async function signUp(prefix: string) {
    const email = uniqueEmail(prefix);
    const res = await app.http('POST', '/v1/auth/signup', { body: credentials(email, PASSWORD, 'phone') });
    expect(res.body.status).toBe('AUTH_STATUS_SUCCESS');
    return {
      email,
      userId: res.body.user.userId as string,
      accessToken: res.body.tokens.accessToken as string,
      refreshToken: res.body.tokens.refreshToken as string,
    };
  }

  async function enrolled(prefix: string) {
    const user = await signUp(prefix);
    const setup = await app.http('POST', '/v1/auth/mfa/setup', { token: user.accessToken, body: { method: 'MFA_METHOD_TOTP' } });
    expect(setup.status, setup.text).toBe(200);
    const confirm = await app.http('POST', '/v1/auth/mfa/setup/confirm', {
      token: user.accessToken, body: { setupToken: setup.body.setupToken, code: totp(setup.body.secret) },
    });
    expect(confirm.body.success.recoveryCodes).toHaveLength(10);
    app.clock.advance(30_000);
    return { ...user, secret: setup.body.secret as string, recoveryCodes: confirm.body.success.recoveryCodes as string[] };
  }

  /** Refreshes over REST and returns the new access token (a new iat, the same session). */
  async function refreshed(refreshToken: string) {
    const res = await app.http('POST', '/v1/auth/token/refresh', { body: { refreshToken } });
    expect(res.status, res.text).toBe(200);
    return { accessToken: res.body.accessToken as string, refreshToken: res.body.refreshToken as string };
  }

  const grpcError = (p: Promise<unknown>) => p.then(() => { throw new Error('expected an error'); }, (e: GrpcError) => e);

  async function failedAttempts(email: string): Promise<number> {
    const [row] = await app.db.sql<{ failed_attempts: number }>('SELECT failed_attempts FROM login_attempts WHERE identifier = $1', [`email:${email}`]);
    return row?.failed_attempts ?? 0;
  }

  it('records the sign-in time of a session at sign-up, sign-in and VerifyMfa, and never moves it on refresh', async () => {
    const authenticatedAt = async (userId: string, deviceId: string) => {
      const [row] = await app.db.sql<{ authenticated_at: Date }>('SELECT authenticated_at FROM sessions WHERE user_id = $1 AND device_id = $2', [userId, deviceId]);
      return row.authenticated_at.getTime();
    };
    const user = await enrolled('authenticated-at');
    const signedUpAt = app.clock.now().getTime() - 30_000; // enrolled() moved one step on
    expect(await authenticatedAt(user.userId, 'phone')).toBe(signedUpAt);
    app.clock.advance(5 * 60_000);
    await refreshed(user.refreshToken);
    expect(await authenticatedAt(user.userId, 'phone')).toBe(signedUpAt);

    const auth = await app.http('POST', '/v1/auth/authenticate', { body: credentials(user.email, PASSWORD, 'phone') });
    app.clock.advance(60_000);
    const verified = await app.auth.call('VerifyMfa', { challengeToken: auth.body.mfaChallenge.challengeToken, code: totp(user.secret) });
    expect(verified.status).toBe('AUTH_STATUS_SUCCESS');
    expect(await authenticatedAt(user.userId, 'phone')).toBe(app.clock.now().getTime());
  });

  describe('SetupMfa', () => {
    it('works on a session that signed in within REAUTH_MAX_AGE_MINUTES, on both transports', async () => {
      const rest = await signUp('fresh-rest');
      app.clock.advance(REAUTH_MS - 60_000);
      const setup = await app.http('POST', '/v1/auth/mfa/setup', { token: rest.accessToken, body: { method: 'MFA_METHOD_TOTP' } });
      expect(setup.status, setup.text).toBe(200);
      expect(setup.body.secret).toMatch(/^[A-Z2-7]{32}$/);

      for (const client of [app.auth, app.authV2]) {
        const user = await signUp('fresh-grpc');
        const res = await client.call('SetupMfa', { method: 'MFA_METHOD_TOTP' }, bearer(user.accessToken));
        expect(res.secret).toMatch(/^[A-Z2-7]{32}$/);
      }
    });

    it('is refused past REAUTH_MAX_AGE_MINUTES although a refresh re-issued the token, and works with the password', async () => {
      const user = await signUp('stale');
      app.clock.advance(REAUTH_MS - 60_000);
      const first = await refreshed(user.refreshToken);
      app.clock.advance(2 * 60_000);
      // A refresh now: a brand-new access token (iat = now) of a session that signed in 11 minutes ago.
      const tokens = await refreshed(first.refreshToken);

      const rest = await app.http('POST', '/v1/auth/mfa/setup', { token: tokens.accessToken, body: { method: 'MFA_METHOD_TOTP' } });
      expect(rest.status).toBe(400);
      expect(rest.body.error).toMatchObject({ status: 'FAILED_PRECONDITION', message: expect.stringMatching(/sign in again.*password/i) });
      expect(rest.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'REAUTH_REQUIRED' })]));
      for (const client of [app.auth, app.authV2]) {
        const err = await grpcError(client.call('SetupMfa', { method: 'MFA_METHOD_TOTP' }, bearer(tokens.accessToken)));
        expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
        expect(err.reason).toBe('REAUTH_REQUIRED');
        expect(err.details).toMatch(/sign in again.*password/i);
      }
      expect(await app.db.sql('SELECT 1 FROM mfa_setup_tokens WHERE user_id = $1', [user.userId])).toHaveLength(0);

      const withPassword = await app.http('POST', '/v1/auth/mfa/setup', { token: tokens.accessToken, body: { method: 'MFA_METHOD_TOTP', password: PASSWORD } });
      expect(withPassword.status, withPassword.text).toBe(200);
      const viaGrpc = await app.authV2.call('SetupMfa', { method: 'MFA_METHOD_TOTP', password: PASSWORD }, bearer(tokens.accessToken));
      expect(viaGrpc.secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(await failedAttempts(user.email)).toBe(0);

      // A new sign-in on the device is a primary authentication: fresh again, no password needed.
      const signIn = await app.auth.call('Authenticate', forGrpc(credentials(user.email, PASSWORD, 'phone')));
      expect(signIn.status).toBe('AUTH_STATUS_SUCCESS');
      const again = await app.http('POST', '/v1/auth/mfa/setup', { token: signIn.tokens.accessToken, body: {} });
      expect(again.status, again.text).toBe(200);
    });

    it('refuses a wrong password on both transports and counts it towards the account lockout', async () => {
      const user = await signUp('wrong-pw');
      app.clock.advance(REAUTH_MS + 1);
      const rest = await app.http('POST', '/v1/auth/mfa/setup', { token: user.accessToken, body: { password: 'not-the-password-1' } });
      expect(rest.status).toBe(403);
      expect(rest.body.error.details).toEqual(expect.arrayContaining([
        expect.objectContaining({ reason: 'AUTH_WRONG_PASSWORD' }),
        expect.objectContaining({ fieldViolations: [{ field: 'password', description: 'is incorrect' }] }),
      ]));
      const err = await grpcError(app.auth.call('SetupMfa', { password: 'not-the-password-2' }, bearer(user.accessToken)));
      expect(err.code).toBe(grpc.status.PERMISSION_DENIED);
      expect(err.reason).toBe('AUTH_WRONG_PASSWORD');
      expect(err.fieldViolations).toEqual([{ field: 'password', description: 'is incorrect' }]);
      expect(await failedAttempts(user.email)).toBe(2);
      expect(await app.db.sql('SELECT 1 FROM mfa_setup_tokens WHERE user_id = $1', [user.userId])).toHaveLength(0);

      // The same lock as sign-in: at the threshold even the right password is refused.
      for (let i = 2; i < MAX_FAILED; i++) {
        await app.http('POST', '/v1/auth/mfa/setup', { token: user.accessToken, body: { password: `not-the-password-${i + 1}` } });
      }
      const locked = await app.http('POST', '/v1/auth/mfa/setup', { token: user.accessToken, body: { password: PASSWORD } });
      expect(locked.status).toBe(429);
      expect(locked.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'AUTH_LOCKED' })]));
      const signIn = await app.http('POST', '/v1/auth/authenticate', { body: credentials(user.email) });
      expect(signIn.body.status).toBe('AUTH_STATUS_LOCKED');
    });
  });

  describe('DisableMfa', () => {
    const disableRest = (token: string, body: object) => app.http('POST', '/v1/auth/mfa/disable', { token, body: { method: 'MFA_METHOD_TOTP', ...body } });

    it('without a code answers INVALID_ARGUMENT naming `code` on both transports, counting nothing', async () => {
      const user = await enrolled('no-code');
      const rest = await disableRest(user.accessToken, { password: PASSWORD });
      expect(rest.status).toBe(400);
      expect(rest.body.error.status).toBe('INVALID_ARGUMENT');
      const violations = rest.body.error.details.flatMap((d: any) => d.fieldViolations ?? []);
      expect(violations.map((v: any) => v.field)).toEqual(['code']);
      for (const client of [app.auth, app.authV2]) {
        const err = await grpcError(client.call('DisableMfa', { method: 'MFA_METHOD_TOTP', password: PASSWORD }, bearer(user.accessToken)));
        expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
        expect(err.fieldViolations.map((v) => v.field)).toEqual(['code']);
      }
      expect(await failedAttempts(user.email)).toBe(0);
      expect(await app.db.sql('SELECT 1 FROM user_totp WHERE user_id = $1', [user.userId])).toHaveLength(1);
    });

    it('refuses a wrong TOTP or recovery code with the right password, counts each, and leaves TOTP on', async () => {
      const user = await enrolled('wrong-code');
      const rest = await disableRest(user.accessToken, { password: PASSWORD, code: wrongTotp(user.secret) });
      expect(rest.status).toBe(403);
      expect(rest.body.error.details).toEqual(expect.arrayContaining([
        expect.objectContaining({ reason: 'MFA_CODE_INVALID' }),
        expect.objectContaining({ fieldViolations: [expect.objectContaining({ field: 'code' })] }),
      ]));
      const err = await grpcError(app.auth.call('DisableMfa', { password: PASSWORD, code: 'aaaa-bbbb-cccc' }, bearer(user.accessToken)));
      expect(err.code).toBe(grpc.status.PERMISSION_DENIED);
      expect(err.reason).toBe('MFA_CODE_INVALID');
      expect(err.fieldViolations.map((v) => v.field)).toEqual(['code']);
      const v2 = await grpcError(app.authV2.call('DisableMfa', { password: PASSWORD, code: 'not a code' }, bearer(user.accessToken)));
      expect(v2.reason).toBe('MFA_CODE_INVALID');
      expect(await failedAttempts(user.email)).toBe(3);
      expect(await app.db.sql('SELECT 1 FROM user_totp WHERE user_id = $1', [user.userId])).toHaveLength(1);
      const [left] = await app.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL', [user.userId]);
      expect(left.n).toBe(10);

      // A wrong password with a right code is the wrong-password answer; the code is not looked at.
      const wrongPassword = await disableRest(user.accessToken, { password: 'not-the-password', code: totp(user.secret) });
      expect(wrongPassword.status).toBe(403);
      expect(wrongPassword.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'AUTH_WRONG_PASSWORD' })]));
      expect(await failedAttempts(user.email)).toBe(4);
      // That code was not spent: it still disables.
      expect((await disableRest(user.accessToken, { password: PASSWORD, code: totp(user.secret) })).status).toBe(204);
      expect(await failedAttempts(user.email)).toBe(0);
    });

    it('refuses a TOTP code the replay guard has seen (accepted at sign-in), counting it', async () => {
      const user = await enrolled('replay');
      const code = totp(user.secret);
      const challenge = await app.http('POST', '/v1/auth/authenticate', { body: credentials(user.email, PASSWORD, 'laptop') });
      const verified = await app.http('POST', '/v1/auth/mfa/verify', { body: { challengeToken: challenge.body.mfaChallenge.challengeToken, code } });
      expect(verified.body.status).toBe('AUTH_STATUS_SUCCESS');

      const rest = await disableRest(user.accessToken, { password: PASSWORD, code });
      expect(rest.status).toBe(403);
      expect(rest.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'MFA_CODE_INVALID' })]));
      const err = await grpcError(app.auth.call('DisableMfa', { password: PASSWORD, code }, bearer(user.accessToken)));
      expect(err.reason).toBe('MFA_CODE_INVALID');
      // An older step is no better.
      expect((await disableRest(user.accessToken, { password: PASSWORD, code: totp(user.secret, -1) })).status).toBe(403);
      expect(await failedAttempts(user.email)).toBe(3);
      expect(await app.db.sql('SELECT 1 FROM user_totp WHERE user_id = $1', [user.userId])).toHaveLength(1);
    });

    it('disables with the password and a current TOTP code, on REST and over gRPC', async () => {
      const rest = await enrolled('totp-rest');
      const ok = await disableRest(rest.accessToken, { password: PASSWORD, code: totp(rest.secret) });
      expect(ok.status, ok.text).toBe(204);
      expect((await app.http('GET', '/v1/auth/mfa/status', { token: rest.accessToken })).body.enabled).toBe(false);

      for (const client of [app.auth, app.authV2]) {
        const user = await enrolled('totp-grpc');
        expect(await client.call('DisableMfa', { method: 'MFA_METHOD_TOTP', password: PASSWORD, code: totp(user.secret) }, bearer(user.accessToken))).toEqual({});
        expect((await client.call('GetMfaStatus', {}, bearer(user.accessToken))).enabled).toBe(false);
      }
    });

    it('disables with a recovery code, which is spent; a code already spent at sign-in is refused', async () => {
      const user = await enrolled('recovery');
      const [usedAtSignIn, disabling] = user.recoveryCodes;
      const challenge = await app.http('POST', '/v1/auth/authenticate', { body: credentials(user.email, PASSWORD, 'laptop') });
      const verified = await app.http('POST', '/v1/auth/mfa/verify', {
        body: { challengeToken: challenge.body.mfaChallenge.challengeToken, method: 'MFA_METHOD_RECOVERY_CODE', code: usedAtSignIn },
      });
      expect(verified.body.status).toBe('AUTH_STATUS_SUCCESS');

      const spent = await grpcError(app.auth.call('DisableMfa', { password: PASSWORD, code: usedAtSignIn }, bearer(user.accessToken)));
      expect(spent.code).toBe(grpc.status.PERMISSION_DENIED);
      expect(spent.reason).toBe('MFA_CODE_INVALID');
      expect(await app.db.sql('SELECT 1 FROM user_totp WHERE user_id = $1', [user.userId])).toHaveLength(1);

      // Typed as users type: upper case, no dashes.
      const ok = await disableRest(user.accessToken, { password: PASSWORD, code: disabling.toUpperCase().replace(/-/g, ' ') });
      expect(ok.status, ok.text).toBe(204);
      expect(await app.db.sql('SELECT 1 FROM mfa_recovery_codes WHERE user_id = $1', [user.userId])).toHaveLength(0);
      expect((await app.http('GET', '/v1/auth/mfa/status', { token: user.accessToken })).body).toEqual({ enabled: false, methods: [], recoveryCodesRemaining: 0 });
    });

    it('spends one recovery code once: 10 parallel DisableMfa with it, and VerifyMfa with it, give one success', async () => {
      const user = await enrolled('race');
      const code = user.recoveryCodes[0];
      const challenge = await app.http('POST', '/v1/auth/authenticate', { body: credentials(user.email, PASSWORD, 'laptop') });
      const verify = app.http('POST', '/v1/auth/mfa/verify', {
        body: { challengeToken: challenge.body.mfaChallenge.challengeToken, method: 'MFA_METHOD_RECOVERY_CODE', code },
      }).then((r) => (r.body.status === 'AUTH_STATUS_SUCCESS' ? 'OK' : `verify ${r.body.status ?? r.body.error?.status}`));
      const disables = Array.from({ length: 10 }, (_, i) =>
        i % 2 === 0
          ? disableRest(user.accessToken, { password: PASSWORD, code }).then((r) => (r.status === 204 ? 'OK' : `HTTP ${r.status}`))
          : app.auth.call('DisableMfa', { password: PASSWORD, code }, bearer(user.accessToken)).then(() => 'OK', (e: GrpcError) => `gRPC ${e.code}`));
      const answers = await Promise.all([verify, ...disables]);
      expect(answers.filter((a) => a === 'OK')).toHaveLength(1);
    });
  });
});
