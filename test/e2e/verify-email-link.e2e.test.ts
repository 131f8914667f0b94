import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackgroundTasks } from '../../src/modules/recovery/background-tasks';
import { bootTestApp, type TestApp } from '../support/app';
import { clientInfo, credentials, forGrpc, uniqueEmail } from '../support/factories';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../support/smtp-sink';
import { linkTokenOf } from '../support/mail-links';

const APP_URL = 'https://app.example.com/portal';
const ATTACKER_PASSWORD = 'attacker-pass-1';
const OWNER_PASSWORD = 'owner-pass-2';
const OWNER_RESET_PASSWORD = 'owner-reset-3';
const SUCCESS = `${APP_URL}/email-verified?status=success`;
const INVALID = `${APP_URL}/email-verified?status=error&code=invalid_token`;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

const tokenOf = (mail: ReceivedMail, path: 'verify-email' | 'auth-reset'): string => linkTokenOf(mail, APP_URL, path);

const confirmBody = (token: string) => ({ token, type: 'VERIFICATION_TYPE_EMAIL', installationId: randomUUID(), clientInfo: clientInfo('owner-device') });

describe('verification links: a mail scanner fetching them is not the owner confirming (SIGNUP_REQUIRE_VERIFICATION)', () => {
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

  /** Signs up (PENDING) and returns the token of the newest verification mail to `email`. */
  async function signUp(email: string, password: string, via: 'grpc' | 'rest' = 'rest'): Promise<string> {
    const before = smtp.mailsTo(email).length;
    if (via === 'grpc') expect((await app.auth.call('SignUp', forGrpc(credentials(email, password)))).status).toBe('AUTH_STATUS_PENDING');
    else expect((await app.http('POST', '/v1/auth/signup', { body: credentials(email, password) })).body.status).toBe('AUTH_STATUS_PENDING');
    const mails = await smtp.waitFor(email, before + 1);
    return tokenOf(mails[before], 'verify-email');
  }

  /** What the button of the confirmation page sends. */
  function postLink(fields: Record<string, string> | string, path = '/v1/verify-email') {
    const raw = typeof fields === 'string' ? fields : new URLSearchParams(fields).toString();
    return app.http('POST', path, { raw, headers: FORM });
  }

  /** The sign-in status with `password` on both transports. */
  async function signInStatuses(email: string, password: string): Promise<[string, string]> {
    const grpcRes = await app.auth.call('Authenticate', forGrpc(credentials(email, password)));
    const restRes = await app.http('POST', '/v1/auth/authenticate', { body: credentials(email, password) });
    return [grpcRes.status, restRes.body.status];
  }

  async function accountRow(email: string) {
    const [row] = await app.db.sql<{ status: string; email_verified: boolean; has_password: boolean; token_used: boolean }>(
      `SELECT u.status, u.email_verified, u.password_hash IS NOT NULL AS has_password,
              bool_or(t.used_at IS NOT NULL) AS token_used
         FROM users u LEFT JOIN email_verification_tokens t ON t.user_id = u.id
        WHERE u.email = $1 GROUP BY u.id`,
      [email],
    );
    return row;
  }

  describe('the attack: an attacker signs up with the victim\'s address and a password of their own', () => {
    for (const via of ['grpc', 'rest'] as const) {
      it(`a scanner's GET of the link (both paths, and HEAD) changes nothing; the attacker still cannot sign in (sign-up over ${via})`, async () => {
        const victim = uniqueEmail(`scanned-${via}`);
        const token = await signUp(victim, ATTACKER_PASSWORD, via);

        for (const path of ['/v1/verify-email', '/verify-email']) {
          const page = await app.http('GET', `${path}?token=${encodeURIComponent(token)}`);
          expect(page.status).toBe(200);
          expect(page.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/);
          expect(page.headers.get('location')).toBeNull();
          expect((await app.http('HEAD', `${path}?token=${encodeURIComponent(token)}`)).status).toBe(200);
        }
        expect(await accountRow(victim)).toEqual({ status: 'pending', email_verified: false, has_password: true, token_used: false });
        expect(await signInStatuses(victim, ATTACKER_PASSWORD)).toEqual(['AUTH_STATUS_FAILED', 'AUTH_STATUS_FAILED']);

        // The victim then presses the button on the page: the address is theirs, the attacker's password is not.
        const confirmed = await postLink({ token });
        expect(confirmed.status).toBe(302);
        expect(confirmed.headers.get('location')).toBe(SUCCESS);
        expect(await accountRow(victim)).toEqual({ status: 'active', email_verified: true, has_password: false, token_used: true });
        expect(await signInStatuses(victim, ATTACKER_PASSWORD)).toEqual(['AUTH_STATUS_FAILED', 'AUTH_STATUS_FAILED']);
      });
    }

    it('the owner following the attacker\'s sign-up link through ConfirmVerification (gRPC, then REST) is signed in, without the attacker\'s password', async () => {
      for (const via of ['grpc', 'rest'] as const) {
        const victim = uniqueEmail(`confirm-${via}`);
        const token = await signUp(victim, ATTACKER_PASSWORD);
        const res = via === 'grpc'
          ? await app.auth.call('ConfirmVerification', forGrpc(confirmBody(token)))
          : (await app.http('POST', '/v1/auth/verification/confirm', { body: confirmBody(token) })).body;
        expect(res.status).toBe('AUTH_STATUS_SUCCESS');
        expect(res.user).toMatchObject({ email: victim, emailVerified: true, status: 'USER_STATUS_ACTIVE', hasPassword: false });
        expect(res.tokens.accessToken).toBeTruthy();
        expect(await signInStatuses(victim, ATTACKER_PASSWORD)).toEqual(['AUTH_STATUS_FAILED', 'AUTH_STATUS_FAILED']);
      }
    });

    it('a link is bound to the installation whose sign-up asked for it: only that installation keeps the password, on both transports', async () => {
      for (const via of ['grpc', 'rest'] as const) {
        const email = uniqueEmail(`bound-${via}`);
        const signUpBody = credentials(email, OWNER_PASSWORD);
        expect((await app.http('POST', '/v1/auth/signup', { body: signUpBody })).body.status).toBe('AUTH_STATUS_PENDING');
        const token = tokenOf((await smtp.waitFor(email))[0], 'verify-email');
        const body = { ...confirmBody(token), installationId: signUpBody.installationId };
        const res = via === 'grpc'
          ? await app.auth.call('ConfirmVerification', forGrpc(body))
          : (await app.http('POST', '/v1/auth/verification/confirm', { body })).body;
        expect(res.user).toMatchObject({ status: 'USER_STATUS_ACTIVE', emailVerified: true, hasPassword: true });
        expect(await signInStatuses(email, OWNER_PASSWORD)).toEqual(['AUTH_STATUS_SUCCESS', 'AUTH_STATUS_SUCCESS']);
      }
    });

    it('a squatter signing up again after the owner: the owner confirming the latest link from the owner\'s app keeps neither password', async () => {
      const email = uniqueEmail('resquat-app');
      const owner = credentials(email, OWNER_PASSWORD);
      expect((await app.http('POST', '/v1/auth/signup', { body: owner })).body.status).toBe('AUTH_STATUS_PENDING');
      await smtp.waitFor(email);
      const squattersLink = await signUp(email, ATTACKER_PASSWORD, 'grpc');
      const res = await app.auth.call('ConfirmVerification', forGrpc({ ...confirmBody(squattersLink), installationId: owner.installationId }));
      expect(res.user).toMatchObject({ status: 'USER_STATUS_ACTIVE', emailVerified: true, hasPassword: false });
      expect(await signInStatuses(email, ATTACKER_PASSWORD)).toEqual(['AUTH_STATUS_FAILED', 'AUTH_STATUS_FAILED']);
      expect(await signInStatuses(email, OWNER_PASSWORD)).toEqual(['AUTH_STATUS_FAILED', 'AUTH_STATUS_FAILED']);
    });

    it('the owner then chooses a password through recovery; only that one signs in', async () => {
      const victim = uniqueEmail('recover');
      expect((await postLink({ token: await signUp(victim, ATTACKER_PASSWORD) })).headers.get('location')).toBe(SUCCESS);
      expect(await app.auth.call('RecoveryStart', { identifier: victim })).toEqual({});
      await app.running.app.get(BackgroundTasks).drain();
      const reset = tokenOf((await smtp.waitFor(victim, 2))[1], 'auth-reset');
      expect((await app.http('POST', '/v1/auth/recovery/confirm', { body: { token: reset, newPassword: OWNER_RESET_PASSWORD } })).status).toBe(204);
      expect(await signInStatuses(victim, OWNER_RESET_PASSWORD)).toEqual(['AUTH_STATUS_SUCCESS', 'AUTH_STATUS_SUCCESS']);
      expect(await signInStatuses(victim, ATTACKER_PASSWORD)).toEqual(['AUTH_STATUS_FAILED', 'AUTH_STATUS_FAILED']);
    });

    it('a squatter signing up again after the owner: the owner following the latest link (with the owner\'s password) does not activate the squatter\'s', async () => {
      const email = uniqueEmail('resquat');
      const ownersLink = await signUp(email, OWNER_PASSWORD);
      const squattersLink = await signUp(email, ATTACKER_PASSWORD, 'grpc');
      expect((await postLink({ token: ownersLink, password: OWNER_PASSWORD })).headers.get('location')).toBe(INVALID);
      const res = await postLink({ token: squattersLink, password: OWNER_PASSWORD });
      expect(res.headers.get('location')).toBe(SUCCESS);
      expect(await accountRow(email)).toMatchObject({ status: 'active', email_verified: true, has_password: false });
      expect(await signInStatuses(email, ATTACKER_PASSWORD)).toEqual(['AUTH_STATUS_FAILED', 'AUTH_STATUS_FAILED']);
    });

    it('a repeated sign-up that read the account as pending while the owner\'s verification commits does not set its password', async () => {
      const email = uniqueEmail('race');
      await signUp(email, OWNER_PASSWORD);
      // Plays a verification holding the user's row lock, as EmailVerificationService does until it commits.
      const verifier = new Client({ connectionString: app.db.url });
      await verifier.connect();
      try {
        await verifier.query('BEGIN');
        await verifier.query('SELECT 1 FROM users WHERE email = $1 FOR NO KEY UPDATE', [email]);
        const squatter = app.http('POST', '/v1/auth/signup', { body: credentials(email, ATTACKER_PASSWORD) });
        // The repeated sign-up found the account pending and now waits for the row lock.
        await expect.poll(async () => (await app.db.sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE users SET password_hash%'`,
        ))[0].n, { timeout: 10_000, interval: 20 }).toBe(1);
        await verifier.query(`UPDATE users SET status = 'active', email_verified = true, password_hash = NULL WHERE email = $1`, [email]);
        await verifier.query('COMMIT');
        expect((await squatter).body.status).toBe('AUTH_STATUS_PENDING');
      } finally {
        await verifier.end();
      }
      expect(await accountRow(email)).toMatchObject({ status: 'active', has_password: false });
      expect(await signInStatuses(email, ATTACKER_PASSWORD)).toEqual(['AUTH_STATUS_FAILED', 'AUTH_STATUS_FAILED']);
      // No fresh link for an account that is active now.
      const [{ n }] = await app.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM mail_outbox WHERE recipient = $1', [email]);
      expect(n).toBe(1);
    });
    it('sign-ups racing the owner\'s confirmation all answer, and never leave the attacker\'s password on the active account', async () => {
      for (let round = 0; round < 3; round += 1) {
        const email = uniqueEmail('race-many');
        const token = await signUp(email, OWNER_PASSWORD);
        const [confirmed, ...signUps] = await Promise.all([
          postLink({ token }),
          ...Array.from({ length: 10 }, () => app.http('POST', '/v1/auth/signup', { body: credentials(email, ATTACKER_PASSWORD) })),
        ]);
        expect(signUps.map((r) => r.status)).toEqual(signUps.map(() => 200));
        // The owner's link may have been replaced by a racing sign-up before it was used.
        const location = confirmed.headers.get('location');
        expect([SUCCESS, INVALID]).toContain(location);
        if (location === SUCCESS) expect(await accountRow(email)).toMatchObject({ status: 'active', has_password: false });
        else expect((await accountRow(email)).status).toBe('pending');
        expect(await signInStatuses(email, ATTACKER_PASSWORD)).toEqual(['AUTH_STATUS_FAILED', 'AUTH_STATUS_FAILED']);
      }
    });
  });

  describe('the owner', () => {
    it('keeps the password chosen at sign-up by entering it on the confirmation page', async () => {
      const email = uniqueEmail('keeps');
      const res = await postLink({ token: await signUp(email, OWNER_PASSWORD, 'grpc'), password: OWNER_PASSWORD });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(SUCCESS);
      expect(await accountRow(email)).toMatchObject({ status: 'active', email_verified: true, has_password: true });
      expect(await signInStatuses(email, OWNER_PASSWORD)).toEqual(['AUTH_STATUS_SUCCESS', 'AUTH_STATUS_SUCCESS']);
    });

    it('a password that is not the sign-up\'s still verifies the address, without any password', async () => {
      const email = uniqueEmail('mistyped');
      const res = await postLink({ token: await signUp(email, OWNER_PASSWORD), password: 'not-the-password-9' }, '/verify-email');
      expect(res.headers.get('location')).toBe(SUCCESS);
      expect(res.headers.get('deprecation')).toBe('true');
      expect(await accountRow(email)).toMatchObject({ status: 'active', has_password: false });
      expect(await signInStatuses(email, OWNER_PASSWORD)).toEqual(['AUTH_STATUS_FAILED', 'AUTH_STATUS_FAILED']);
    });

    it('a link works once: of 40 parallel confirmations exactly one succeeds', async () => {
      const email = uniqueEmail('parallel');
      const token = await signUp(email, OWNER_PASSWORD);
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => postLink({ token, password: OWNER_PASSWORD }, i % 2 ? '/verify-email' : '/v1/verify-email')));
      const locations = results.map((r) => r.headers.get('location'));
      expect(locations.filter((l) => l === SUCCESS)).toHaveLength(1);
      expect(new Set(locations.filter((l) => l !== SUCCESS))).toEqual(new Set([INVALID]));
      expect(await signInStatuses(email, OWNER_PASSWORD)).toEqual(['AUTH_STATUS_SUCCESS', 'AUTH_STATUS_SUCCESS']);
    });
  });

  describe('the confirmation page', () => {
    it('echoes the token only into a hidden form field, HTML-escaped, with strict headers', async () => {
      const evil = `"><script>alert(1)</script><img src=x onerror=alert(2)>&amp;'`;
      const page = await app.http('GET', `/v1/verify-email?token=${encodeURIComponent(evil)}`);
      expect(page.status).toBe(200);
      expect(page.text).not.toContain('<script');
      expect(page.text).not.toContain('<img');
      expect(page.text).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&amp;amp;&#39;"');
      expect(page.text).toMatch(/<form method="post" action="verify-email">/);
      expect(page.text).toMatch(/<input type="hidden" name="token" value="/);
      expect(page.text).toMatch(/<input[^>]+type="password"[^>]+name="password"/);

      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("base-uri 'none'");
      // The form posts here and is redirected to the front end: both must be allowed targets.
      expect(csp).toContain("form-action 'self' https://app.example.com");
      expect(csp).not.toContain('script-src');
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(page.headers.get('deprecation')).toBeNull();

      const token = 'A'.repeat(43);
      const plain = await app.http('GET', `/v1/verify-email?token=${token}`);
      expect(plain.text.split(token)).toHaveLength(2); // once, in the hidden field
      const alias = await app.http('GET', `/verify-email?token=${token}`);
      expect(alias.status).toBe(200);
      expect(alias.headers.get('deprecation')).toBe('true');
      expect(alias.text).toContain(`value="${token}"`);
    });

    it('the redirect after the button keeps the token out of Referer and caches', async () => {
      const res = await postLink({ token: 'x'.repeat(43) });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(INVALID);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('deprecation')).toBeNull();
    });

    it('bad input on either route is an error redirect or a 4xx, never a 500, and uses nothing up', async () => {
      const email = uniqueEmail('bad-input');
      const token = await signUp(email, OWNER_PASSWORD);
      for (const query of ['', '?token=', '?token=a&token=b', `?token=${'t'.repeat(600)}`, '?token[a]=1']) {
        const res = await app.http('GET', `/v1/verify-email${query}`);
        expect(res.status, query).toBe(302);
        expect(res.headers.get('location'), query).toBe(INVALID);
      }
      const forms = ['', 'token=', `token=${token}&token=${token}`, `token[]=${token}`, `token=${'t'.repeat(600)}`, 'token=%E0%A4%A', '%%%',
        `password=${OWNER_PASSWORD}`, `__proto__=1&token=${token}`, `token=${'x'.repeat(43)}&password=a&password=b`];
      for (const raw of forms) {
        const res = await postLink(raw);
        expect(res.status, raw).toBeLessThan(500);
        if (res.status === 302) expect(res.headers.get('location'), raw).toMatch(/status=error&code=invalid_token$/);
      }
      for (const [contentType, raw] of [['text/plain', `token=${token}`], ['application/json', '{"token": 5}'], ['application/json', '{"token": '], ['multipart/form-data; boundary=x', '--x--']]) {
        const res = await app.http('POST', '/v1/verify-email', { raw, headers: { 'content-type': contentType } });
        expect(res.status, contentType).toBeGreaterThanOrEqual(300);
        expect(res.status, contentType).toBeLessThan(500);
      }
      const huge = await postLink(`token=${token}&pad=${'x'.repeat(2 * 1024 * 1024)}`);
      expect(huge.status).toBe(400); // bounded by the server's body limit (1 MiB)
      expect(huge.body.error.message).toMatch(/too large/);
      expect(await accountRow(email)).toEqual({ status: 'pending', email_verified: false, has_password: true, token_used: false });

      // A password field that is repeated or too long proves nothing: verified, without the password.
      for (const passwords of [[OWNER_PASSWORD, OWNER_PASSWORD], ['p'.repeat(5000)]]) {
        const other = uniqueEmail('bad-password');
        const raw = new URLSearchParams([['token', await signUp(other, OWNER_PASSWORD)], ...passwords.map((p) => ['password', p])]).toString();
        expect((await postLink(raw)).headers.get('location')).toBe(SUCCESS);
        expect(await accountRow(other)).toMatchObject({ status: 'active', has_password: false });
      }
    });

    it('the OpenAPI document describes the page and the form', async () => {
      const doc = (await app.http('GET', '/api-docs/openapi.json')).body;
      for (const path of ['/v1/verify-email', '/verify-email']) {
        expect(Object.keys(doc.paths[path].get.responses['200'].content), path).toEqual(['text/html']);
        const form = doc.paths[path].post.requestBody.content['application/x-www-form-urlencoded'].schema;
        expect(form.required).toEqual(['token']);
        expect(Object.keys(form.properties).sort()).toEqual(['password', 'token']);
        expect(doc.paths[path].post.responses['302']).toBeDefined();
      }
      expect(doc.paths['/verify-email'].get.deprecated).toBe(true);
      expect(doc.paths['/verify-email'].post.deprecated).toBe(true);
    });
  });
});
