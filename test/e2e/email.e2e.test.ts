import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackgroundTasks } from '../../src/modules/recovery/background-tasks';
import { OutboxWorker } from '../../src/modules/mail/outbox-worker.service';
import { bootTestApp, type TestApp } from '../support/app';
import { bearer, grpc, type GrpcError } from '../support/grpc-client';
import { clientInfo, credentials, forGrpc, PASSWORD, uniqueEmail } from '../support/factories';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../support/smtp-sink';
import { linkTokenOf } from '../support/mail-links';

const APP_URL = 'https://app.example.com/portal';
const NEW_PASSWORD = 'battery-staple-42';

const tokenOf = (mail: ReceivedMail, path: 'verify-email' | 'auth-reset'): string => linkTokenOf(mail, APP_URL, path);

async function grpcError(p: Promise<unknown>): Promise<GrpcError> {
  return (await p.then(() => { throw new Error('expected a gRPC error'); }, (e: GrpcError) => e)) as GrpcError;
}

const confirmBody = (token: string) => ({ token, type: 'VERIFICATION_TYPE_EMAIL', installationId: randomUUID(), clientInfo: clientInfo('verify-device') });

/** The button of the link's confirmation page (a GET of the link only shows the page). */
function postLink(app: TestApp, token: string, path = '/v1/verify-email') {
  return app.http('POST', path, { raw: new URLSearchParams({ token }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
}

describe('email verification and password recovery over a real SMTP server', () => {
  let smtp: SmtpSink;
  let app: TestApp;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    app = await bootTestApp({ SMTP_URL: smtp.url, MAIL_OUTBOX_POLL_MS: '25', APP_URL, EMAIL_SENDER: 'Accounts <accounts@example.com>' });
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
  });

  /** Signs up over REST and returns the verification token of the welcome mail. */
  async function signUpAndGetLink(email: string, extra: Record<string, unknown> = {}): Promise<{ token: string; mail: ReceivedMail; body: any }> {
    const res = await app.http('POST', '/v1/auth/signup', { body: { ...credentials(email), ...extra } });
    expect(res.status).toBe(200);
    const [mail] = await smtp.waitFor(email);
    return { token: tokenOf(mail, 'verify-email'), mail, body: res.body };
  }

  describe('sign-up and verification', () => {
    it('sends a welcome mail in HTML and plain text whose link verifies and signs in over gRPC, once', async () => {
      const email = uniqueEmail('welcome');
      const { token, mail } = await signUpAndGetLink(email);
      expect(mail.from).toBe('accounts@example.com');
      expect(mail.subject).toBe('Welcome! Please confirm your email address');
      expect(mail.html).toContain(`href="${APP_URL}/verify-email?token=${token}"`);
      expect(mail.text).toContain('expires in 24 hours');
      expect(mail.headers.get('auto-submitted')).toBe('auto-generated');

      const res = await app.auth.call('ConfirmVerification', forGrpc(confirmBody(token)));
      expect(res.status).toBe('AUTH_STATUS_SUCCESS');
      expect(res.user).toMatchObject({ email, emailVerified: true, status: 'USER_STATUS_ACTIVE' });
      const valid = await app.auth.call('ValidateCredentials', {}, bearer(res.tokens.accessToken));
      expect(valid.user.emailVerified).toBe(true);

      const reuse = await grpcError(app.auth.call('ConfirmVerification', forGrpc(confirmBody(token))));
      expect(reuse.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(reuse.reason).toBe('VERIFICATION_TOKEN_INVALID');
      const reuseRest = await app.http('POST', '/v1/auth/verification/confirm', { body: confirmBody(token) });
      expect(reuseRest.status).toBe(400);
      expect(reuseRest.body.error.details[0].reason).toBe('VERIFICATION_TOKEN_INVALID');
    });

    it('verifies and signs in over REST (v2) too', async () => {
      const email = uniqueEmail('welcome-rest');
      const { token } = await signUpAndGetLink(email);
      const res = await app.http('POST', '/v2/auth/verification/confirm', { body: confirmBody(token) });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'AUTH_STATUS_SUCCESS', user: { email, emailVerified: true } });
      expect(res.body.tokens.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const sessions = await app.db.sql<{ device_id: string }>(`SELECT s.device_id FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1`, [email]);
      expect(sessions).toHaveLength(2);
      expect(sessions.map((s) => s.device_id)).toContain('verify-device');
    });

    it('verifies through the 302 link route without signing in; reuse redirects with invalid_token', async () => {
      const email = uniqueEmail('link');
      const { token, body } = await signUpAndGetLink(email);
      const res = await postLink(app, token);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`${APP_URL}/email-verified?status=success`);
      expect(res.headers.get('deprecation')).toBeNull();
      const [row] = await app.db.sql<{ email_verified: boolean }>('SELECT email_verified FROM users WHERE email = $1', [email]);
      expect(row.email_verified).toBe(true);
      const [{ n }] = await app.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [body.user.userId]);
      expect(n).toBe(1); // only the sign-up session

      const again = await postLink(app, token);
      expect(again.headers.get('location')).toBe(`${APP_URL}/email-verified?status=error&code=invalid_token`);
      const alias = await postLink(app, token, '/verify-email');
      expect(alias.status).toBe(302);
      expect(alias.headers.get('deprecation')).toBe('true');
      expect(alias.headers.get('location')).toBe(`${APP_URL}/email-verified?status=error&code=invalid_token`);
      expect((await app.http('GET', '/v1/verify-email')).headers.get('location')).toBe(`${APP_URL}/email-verified?status=error&code=invalid_token`);
      expect((await app.http('GET', '/v1/verify-email?token=a&token=b')).headers.get('location')).toContain('code=invalid_token');
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      expect((await app.http('POST', '/v1/verify-email', { raw: '', headers: form })).headers.get('location')).toBe(`${APP_URL}/email-verified?status=error&code=invalid_token`);
      expect((await app.http('POST', '/v1/verify-email', { raw: 'token=a&token=b', headers: form })).headers.get('location')).toContain('code=invalid_token');
    });

    it('the deprecated alias verifies too', async () => {
      const email = uniqueEmail('alias');
      const { token } = await signUpAndGetLink(email);
      const res = await postLink(app, token, '/verify-email');
      expect(res.headers.get('location')).toBe(`${APP_URL}/email-verified?status=success`);
      expect(res.headers.get('deprecation')).toBe('true');
    });

    it('tells an expired link apart, and delivery keeps working after the clock moved', async () => {
      const email = uniqueEmail('expired');
      const { token, body } = await signUpAndGetLink(email);
      app.clock.advance(24 * 3_600_000 + 1_000);
      const err = await grpcError(app.auth.call('ConfirmVerification', forGrpc(confirmBody(token))));
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.reason).toBe('VERIFICATION_TOKEN_EXPIRED');
      expect(err.details).toMatch(/expired/);
      const link = await postLink(app, token);
      expect(link.headers.get('location')).toBe(`${APP_URL}/email-verified?status=error&code=expired_token`);

      // A new link, asked for after the clock jump, is delivered and works.
      const signIn = await app.http('POST', '/v1/auth/authenticate', { body: credentials(email) });
      expect((await app.http('POST', '/v1/auth/verification/request', { token: signIn.body.tokens.accessToken, body: { type: 'VERIFICATION_TYPE_EMAIL' } })).status).toBe(204);
      const mails = await smtp.waitFor(email, 2);
      expect(mails[1].subject).toBe('Confirm your email address');
      const ok = await postLink(app, tokenOf(mails[1], 'verify-email'));
      expect(ok.headers.get('location')).toBe(`${APP_URL}/email-verified?status=success`);
      expect(body.user.emailVerified).toBe(false);
    });

    it('RequestVerification replaces the earlier link, then answers FAILED_PRECONDITION once verified; PHONE is UNIMPLEMENTED', async () => {
      const email = uniqueEmail('request');
      const { token: first, body } = await signUpAndGetLink(email);
      const access = body.tokens.accessToken as string;
      await app.auth.call('RequestVerification', { type: 'VERIFICATION_TYPE_EMAIL' }, bearer(access));
      const mails = await smtp.waitFor(email, 2);
      const second = tokenOf(mails[1], 'verify-email');
      expect(second).not.toBe(first);
      const old = await postLink(app, first);
      expect(old.headers.get('location')).toContain('code=invalid_token');
      expect((await postLink(app, second)).headers.get('location')).toContain('status=success');

      const done = await grpcError(app.auth.call('RequestVerification', { type: 'VERIFICATION_TYPE_EMAIL' }, bearer(access)));
      expect(done.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect(done.reason).toBe('VERIFICATION_ALREADY_DONE');
      const doneRest = await app.http('POST', '/v1/auth/verification/request', { token: access, body: {} });
      expect(doneRest.status).toBe(400);
      expect(doneRest.body.error.status).toBe('FAILED_PRECONDITION');

      const phone = await grpcError(app.auth.call('RequestVerification', { type: 'VERIFICATION_TYPE_PHONE' }, bearer(access)));
      expect(phone.code).toBe(grpc.status.UNIMPLEMENTED);
      expect(phone.details).toMatch(/SMS/);
      expect((await app.http('POST', '/v1/auth/verification/request', { body: {} })).status).toBe(401);
    });

    it('RequestVerification without an email address is FAILED_PRECONDITION', async () => {
      const phone = `+1415555${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;
      const signUp = await app.auth.call('SignUp', forGrpc(credentials(phone)));
      expect(signUp.status).toBe('AUTH_STATUS_SUCCESS');
      const err = await grpcError(app.auth.call('RequestVerification', { type: 'VERIFICATION_TYPE_EMAIL' }, bearer(signUp.tokens.accessToken)));
      expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect(err.reason).toBe('VERIFICATION_NO_EMAIL');
      const [{ n }] = await app.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM mail_outbox WHERE recipient = $1', [phone]);
      expect(n).toBe(0);
    });

    it('a suspended user is PERMISSION_DENIED on gRPC and account_suspended on the link route', async () => {
      const email = uniqueEmail('suspended');
      const { token } = await signUpAndGetLink(email);
      await app.db.sql(`UPDATE users SET status = 'suspended' WHERE email = $1`, [email]);
      const err = await grpcError(app.auth.call('ConfirmVerification', forGrpc(confirmBody(token))));
      expect(err.code).toBe(grpc.status.PERMISSION_DENIED);
      const link = await postLink(app, token);
      expect(link.headers.get('location')).toBe(`${APP_URL}/email-verified?status=error&code=account_suspended`);
      const [row] = await app.db.sql<{ email_verified: boolean }>('SELECT email_verified FROM users WHERE email = $1', [email]);
      expect(row.email_verified).toBe(false);
    });

    it('does not sign in a user with two-factor authentication on: verified, but no tokens', async () => {
      const email = uniqueEmail('mfa');
      const { token, body } = await signUpAndGetLink(email);
      await app.db.sql(
        `INSERT INTO user_totp (user_id, secret_ciphertext, key_id, configured_at) VALUES ($1, '\\x00', 'k1', now())`,
        [body.user.userId],
      );
      const res = await app.auth.call('ConfirmVerification', forGrpc(confirmBody(token)));
      expect(res.status).toBe('AUTH_STATUS_SUCCESS');
      expect(res.user).toMatchObject({ emailVerified: true, mfaEnabled: true });
      expect(res.tokens).toBeNull();
      const [{ n }] = await app.db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND device_id = 'verify-device'`, [body.user.userId]);
      expect(n).toBe(0);
    });

    it('writes the mail in the user\'s language, escapes what the user typed, falls back to English', async () => {
      const de = uniqueEmail('de');
      const { mail } = await signUpAndGetLink(de, { locale: 'de-AT', displayName: '<b>Ada</b> & "Co"' });
      expect(mail.subject).toBe('Willkommen! Bitte bestätigen Sie Ihre E-Mail-Adresse');
      expect(mail.text).toContain('Hallo <b>Ada</b> & "Co",');
      expect(mail.html).toContain('Hallo &lt;b&gt;Ada&lt;/b&gt; &amp; &quot;Co&quot;,');
      expect(mail.html).not.toContain('<b>Ada</b>');
      const pt = uniqueEmail('pt');
      const { mail: english } = await signUpAndGetLink(pt, { locale: 'pt-BR' });
      expect(english.subject).toBe('Welcome! Please confirm your email address');
    });
  });

  describe('password recovery', () => {
    async function startRecovery(email: string, via: 'grpc' | 'rest'): Promise<void> {
      if (via === 'grpc') expect(await app.auth.call('RecoveryStart', { identifier: email })).toEqual({});
      else expect((await app.http('POST', '/v1/auth/recovery/start', { body: { identifier: email } })).status).toBe(204);
    }

    /** Waits for the background lookup and for one worker pass, so "nothing sent" is final. */
    async function settle(): Promise<void> {
      await app.running.app.get(BackgroundTasks).drain();
      await app.running.app.get(OutboxWorker).runOnce();
    }

    it('answers an unknown email exactly like a known one, and sends nothing for it', async () => {
      const known = uniqueEmail('known');
      await signUpAndGetLink(known);
      const unknown = uniqueEmail('unknown');
      for (const via of ['grpc', 'rest'] as const) {
        const t0 = performance.now();
        await startRecovery(unknown, via);
        const unknownMs = performance.now() - t0;
        const t1 = performance.now();
        await startRecovery(known, via);
        const knownMs = performance.now() - t1;
        // Neither waits for the lookup or the mail.
        expect(Math.max(unknownMs, knownMs)).toBeLessThan(1_000);
      }
      await settle();
      const resets = await smtp.waitFor(known, 3);
      expect(resets.slice(1).map((m) => m.subject)).toEqual(['Reset your password', 'Reset your password']);
      expect(smtp.mailsTo(unknown)).toEqual([]);
      const [{ n }] = await app.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM mail_outbox WHERE recipient = $1', [unknown]);
      expect(n).toBe(0);
      // The second link replaced the first.
      const [first, second] = resets.slice(1).map((m) => tokenOf(m, 'auth-reset'));
      const stale = await grpcError(app.auth.call('RecoveryConfirm', { token: first, newPassword: NEW_PASSWORD }));
      expect(stale.reason).toBe('RECOVERY_TOKEN_INVALID');
      expect((await app.http('POST', '/v1/auth/recovery/confirm', { body: { token: second, newPassword: NEW_PASSWORD } })).status).toBe(204);
    });

    it('sends nothing for a phone number or a suspended account, and rejects a malformed identifier', async () => {
      expect(await app.auth.call('RecoveryStart', { identifier: '+14155550123', identifierType: 'IDENTIFIER_TYPE_PHONE' })).toEqual({});
      const suspended = uniqueEmail('susp-reset');
      await signUpAndGetLink(suspended);
      await app.db.sql(`UPDATE users SET status = 'suspended' WHERE email = $1`, [suspended]);
      await startRecovery(suspended, 'rest');
      await settle();
      expect(smtp.mailsTo(suspended)).toHaveLength(1); // the welcome mail only
      const bad = await app.http('POST', '/v1/auth/recovery/start', { body: { identifier: 'not-an-email' } });
      expect(bad.status).toBe(400);
      expect(app.logs.some((l) => l.includes('no active account with this email'))).toBe(true);
      expect(app.logs.some((l) => l.includes('asked for a phone number: not supported'))).toBe(true);
    });

    it('a reset link works once: of 50 parallel confirmations exactly one succeeds; sessions end, lockout clears, a notice is sent', async () => {
      const email = uniqueEmail('reset');
      const { body } = await signUpAndGetLink(email);
      const oldRefresh = body.tokens.refreshToken as string;
      await app.db.sql(
        `INSERT INTO login_attempts (identifier, failed_attempts, locked_until, last_failed_at) VALUES ($1, 5, $2, $3)`,
        [`email:${email}`, new Date(app.clock.now().getTime() + 3_600_000), app.clock.now()],
      );
      expect((await app.http('POST', '/v1/auth/authenticate', { body: credentials(email) })).body.status).toBe('AUTH_STATUS_LOCKED');

      await startRecovery(email, 'grpc');
      const token = tokenOf((await smtp.waitFor(email, 2))[1], 'auth-reset');
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          i % 2 === 0
            ? app.auth.call('RecoveryConfirm', { token, newPassword: NEW_PASSWORD }).then(() => 'ok', (e: GrpcError) => e.reason ?? String(e.code))
            : app.http('POST', '/v1/auth/recovery/confirm', { body: { token, newPassword: NEW_PASSWORD } })
                .then((r) => (r.status === 204 ? 'ok' : r.body.error.details[0].reason)),
        ),
      );
      expect(results.filter((r) => r === 'ok')).toHaveLength(1);
      expect(new Set(results.filter((r) => r !== 'ok'))).toEqual(new Set(['RECOVERY_TOKEN_INVALID']));

      const refresh = await grpcError(app.auth.call('RefreshTokens', { refreshToken: oldRefresh }));
      expect(refresh.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(await app.db.sql('SELECT 1 FROM login_attempts WHERE identifier = $1', [`email:${email}`])).toEqual([]);
      expect((await app.http('POST', '/v1/auth/authenticate', { body: credentials(email) })).body.status).toBe('AUTH_STATUS_FAILED');
      expect((await app.http('POST', '/v1/auth/authenticate', { body: credentials(email, NEW_PASSWORD) })).body.status).toBe('AUTH_STATUS_SUCCESS');
      const mails = await smtp.waitFor(email, 3);
      expect(mails[2].subject).toBe('Your password was changed');
      expect(mails[2].links).toEqual([]);
    });

    it('a password the policy rejects does not use the token up', async () => {
      const email = uniqueEmail('policy');
      await signUpAndGetLink(email);
      await startRecovery(email, 'rest');
      const token = tokenOf((await smtp.waitFor(email, 2))[1], 'auth-reset');
      const weak = await grpcError(app.auth.call('RecoveryConfirm', { token, newPassword: 'short' }));
      expect(weak.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(weak.fieldViolations.map((v) => v.field)).toContain('new_password');
      const weakRest = await app.http('POST', '/v1/auth/recovery/confirm', { body: { token, newPassword: email } });
      expect(weakRest.status).toBe(400);
      expect(weakRest.body.error.details[1].fieldViolations[0].field).toBe('newPassword');
      expect((await app.http('POST', '/v1/auth/recovery/confirm', { body: { token, newPassword: NEW_PASSWORD } })).status).toBe(204);
    });

    it('an expired reset link says expired', async () => {
      const email = uniqueEmail('reset-expired');
      await signUpAndGetLink(email);
      await startRecovery(email, 'grpc');
      const token = tokenOf((await smtp.waitFor(email, 2))[1], 'auth-reset');
      app.clock.advance(60 * 60_000 + 1_000);
      const err = await grpcError(app.auth.call('RecoveryConfirm', { token, newPassword: NEW_PASSWORD }));
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.reason).toBe('RECOVERY_TOKEN_EXPIRED');
      const rest = await app.http('POST', '/v1/auth/recovery/confirm', { body: { token: 'x'.repeat(43), newPassword: NEW_PASSWORD } });
      expect(rest.body.error.details[0].reason).toBe('RECOVERY_TOKEN_INVALID');
    });

    it('ChangePassword queues the same password-changed notice', async () => {
      const email = uniqueEmail('change');
      const { body } = await signUpAndGetLink(email, { locale: 'de' });
      await app.auth.call('ChangePassword', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }, bearer(body.tokens.accessToken));
      const mails = await smtp.waitFor(email, 2);
      expect(mails[1].subject).toBe('Ihr Passwort wurde geändert');
      expect(mails[1].text).toMatch(/wurde am .+ geändert/);
    });
  });
});

describe('SIGNUP_REQUIRE_VERIFICATION: the link is what unlocks the account', () => {
  let smtp: SmtpSink;
  let app: TestApp;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    app = await bootTestApp({ SMTP_URL: smtp.url, MAIL_OUTBOX_POLL_MS: '25', APP_URL, SIGNUP_REQUIRE_VERIFICATION: 'true' });
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
  });

  it('keeps the account pending until ConfirmVerification, which activates it and signs in', async () => {
    const email = uniqueEmail('pending');
    const signUpBody = credentials(email);
    const signUp = await app.auth.call('SignUp', forGrpc(signUpBody));
    expect(signUp.status).toBe('AUTH_STATUS_PENDING');
    expect((await app.auth.call('Authenticate', forGrpc(credentials(email)))).status).toBe('AUTH_STATUS_FAILED');
    const [mail] = await smtp.waitFor(email);
    // The app that signed up confirms (same installation): the password it chose is kept.
    const res = await app.auth.call('ConfirmVerification', forGrpc({ ...confirmBody(tokenOf(mail, 'verify-email')), installationId: signUpBody.installationId }));
    expect(res).toMatchObject({ status: 'AUTH_STATUS_SUCCESS', user: { status: 'USER_STATUS_ACTIVE', emailVerified: true } });
    expect(res.tokens.accessToken).toBeTruthy();
    expect((await app.auth.call('Authenticate', forGrpc(credentials(email)))).status).toBe('AUTH_STATUS_SUCCESS');
  });

  it('ConfirmVerification from another installation activates and signs in, without the sign-up password', async () => {
    const email = uniqueEmail('pending-other');
    expect((await app.auth.call('SignUp', forGrpc(credentials(email)))).status).toBe('AUTH_STATUS_PENDING');
    const [mail] = await smtp.waitFor(email);
    const res = await app.http('POST', '/v1/auth/verification/confirm', { body: confirmBody(tokenOf(mail, 'verify-email')) });
    expect(res.body).toMatchObject({ status: 'AUTH_STATUS_SUCCESS', user: { status: 'USER_STATUS_ACTIVE', emailVerified: true } });
    expect((await app.auth.call('ValidateCredentials', {}, bearer(res.body.tokens.accessToken))).user.status).toBe('USER_STATUS_ACTIVE');
    // Another installation never proved it chose the pending password (it could be the
    // owner following a squatter's link): the owner sets one through recovery.
    expect(res.body.user.hasPassword).toBe(false);
    expect((await app.auth.call('Authenticate', forGrpc(credentials(email)))).status).toBe('AUTH_STATUS_FAILED');
  });

  it('the confirmation page keeps the sign-up password when the owner enters it', async () => {
    const email = uniqueEmail('pending-page');
    expect((await app.auth.call('SignUp', forGrpc(credentials(email)))).status).toBe('AUTH_STATUS_PENDING');
    const [mail] = await smtp.waitFor(email);
    const raw = new URLSearchParams({ token: tokenOf(mail, 'verify-email'), password: PASSWORD }).toString();
    const res = await app.http('POST', '/v1/verify-email', { raw, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.headers.get('location')).toBe(`${APP_URL}/email-verified?status=success`);
    expect((await app.auth.call('Authenticate', forGrpc(credentials(email)))).status).toBe('AUTH_STATUS_SUCCESS');
  });

  it('signing up again while pending mails a fresh link (the first expired); the link route activates the account', async () => {
    const email = uniqueEmail('pending-link');
    expect((await app.http('POST', '/v1/auth/signup', { body: credentials(email) })).body.status).toBe('AUTH_STATUS_PENDING');
    const [first] = await smtp.waitFor(email);
    app.clock.advance(25 * 3_600_000);
    const again = await app.http('POST', '/v1/auth/signup', { body: credentials(email, 'other-pass-1') });
    expect(again.body).toEqual({ status: 'AUTH_STATUS_PENDING', message: expect.any(String) });
    const second = (await smtp.waitFor(email, 2))[1];
    expect(second.subject).toBe('Confirm your email address');
    expect((await postLink(app, tokenOf(first, 'verify-email'))).headers.get('location')).toContain('code=invalid_token');
    const res = await postLink(app, tokenOf(second, 'verify-email'));
    expect(res.headers.get('location')).toBe(`${APP_URL}/email-verified?status=success`);
    const [row] = await app.db.sql<{ status: string }>('SELECT status FROM users WHERE email = $1', [email]);
    expect(row.status).toBe('active');
    // Active now: another sign-up with the address sends nothing more.
    await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    const [{ n }] = await app.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM mail_outbox WHERE recipient = $1', [email]);
    expect(n).toBe(2);
  });
});

describe('rate limits on the public email methods', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_MAX: '2', RATE_LIMIT_TTL_SECONDS: '60' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('limits RecoveryStart, RecoveryConfirm and ConfirmVerification (with the link route) per IP, across transports', async () => {
    const email = uniqueEmail('rl');
    expect(await app.auth.call('RecoveryStart', { identifier: email })).toEqual({});
    expect((await app.http('POST', '/v1/auth/recovery/start', { body: { identifier: email } })).status).toBe(204);
    const limited = await app.http('POST', '/v1/auth/recovery/start', { body: { identifier: email } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

    const confirm = { token: 'x'.repeat(43), newPassword: NEW_PASSWORD };
    expect((await grpcError(app.auth.call('RecoveryConfirm', confirm))).code).toBe(grpc.status.INVALID_ARGUMENT);
    expect((await app.http('POST', '/v1/auth/recovery/confirm', { body: confirm })).status).toBe(400);
    expect((await grpcError(app.auth.call('RecoveryConfirm', confirm))).code).toBe(grpc.status.RESOURCE_EXHAUSTED);

    expect((await grpcError(app.auth.call('ConfirmVerification', forGrpc(confirmBody('x'.repeat(43)))))).code).toBe(grpc.status.INVALID_ARGUMENT);
    expect((await postLink(app, 'x'.repeat(43))).status).toBe(302);
    expect((await app.http('POST', '/v1/auth/verification/confirm', { body: confirmBody('x'.repeat(43)) })).status).toBe(429);
  });
});
