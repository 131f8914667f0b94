import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { credentials, forGrpc, PASSWORD, uniqueEmail } from '../support/factories';
import { bearer, grpc, type GrpcError } from '../support/grpc-client';
import { checkAgainstSchema, responseSchema } from '../support/openapi-check';

const OLD_KEY = `old:${randomBytes(32).toString('base64')}`;
const K2 = randomBytes(32);
const KEY = `k2:${K2.toString('base64url')}`;
/** Above the five wrong codes a challenge survives, so the two limits can be told apart. */
const MAX_FAILED = 8;
const RECOVERY_CODE = /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/;

describe('TOTP two-factor authentication', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp({ MFA_ENCRYPTION_KEY: `${KEY},${OLD_KEY}`, TOTP_ISSUER: 'Acme Auth', MAX_FAILED_LOGIN_ATTEMPTS: String(MAX_FAILED) });
  });
  afterAll(async () => {
    await app?.close();
  });

  /** The code an authenticator app shows at the app's (manual) time. */
  const totp = (secret: string, offsetSteps = 0) =>
    generateSync({ secret, epoch: Math.floor(app.clock.now().getTime() / 1000) + offsetSteps * 30 });

  /** Moves to the next 30-second step, so a fresh code exists (the one used last is spent). */
  const nextStep = () => app.clock.advance(30_000);

  async function signUp(prefix: string, deviceId = 'phone') {
    const email = uniqueEmail(prefix);
    const res = await app.http('POST', '/v1/auth/signup', { body: credentials(email, PASSWORD, deviceId) });
    expect(res.body.status).toBe('AUTH_STATUS_SUCCESS');
    return { email, accessToken: res.body.tokens.accessToken as string, userId: res.body.user.userId as string };
  }

  /** Signs up and enables TOTP over REST; returns the secret and the recovery codes. */
  async function enrolled(prefix: string) {
    const user = await signUp(prefix);
    const setup = await app.http('POST', '/v1/auth/mfa/setup', { token: user.accessToken, body: { method: 'MFA_METHOD_TOTP' } });
    expect(setup.status).toBe(200);
    const confirm = await app.http('POST', '/v1/auth/mfa/setup/confirm', {
      token: user.accessToken, body: { setupToken: setup.body.setupToken, code: totp(setup.body.secret) },
    });
    expect(confirm.body.success.recoveryCodes).toHaveLength(10);
    nextStep();
    return { ...user, secret: setup.body.secret as string, recoveryCodes: confirm.body.success.recoveryCodes as string[] };
  }

  async function challengeFor(email: string, deviceId = 'laptop') {
    const res = await app.http('POST', '/v1/auth/authenticate', { body: credentials(email, PASSWORD, deviceId) });
    expect(res.body.status).toBe('AUTH_STATUS_MFA_REQUIRED');
    return res.body.mfaChallenge.challengeToken as string;
  }

  const verifyRest = (challengeToken: string, code: string, method = 'MFA_METHOD_TOTP') =>
    app.http('POST', '/v1/auth/mfa/verify', { body: { challengeToken, method, code } });

  it('enrols over REST: setup material, a wrong code changes nothing, the right one enables TOTP once', async () => {
    const user = await signUp('enrol');
    const before = await app.http('GET', '/v1/auth/mfa/status', { token: user.accessToken });
    expect(before.body).toEqual({ enabled: false, methods: [], recoveryCodesRemaining: 0 });

    const setup = await app.http('POST', '/v1/auth/mfa/setup', { token: user.accessToken, body: { method: 'MFA_METHOD_TOTP' } });
    expect(setup.status).toBe(200);
    const { secret, provisioningUri, qrCodeSvg, setupToken, expiresAt, maskedDestination } = setup.body;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits of base32
    expect(provisioningUri).toBe(`otpauth://totp/Acme%20Auth:${encodeURIComponent(user.email)}?secret=${secret}&issuer=Acme%20Auth`);
    expect(qrCodeSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(setupToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(expiresAt)).toBe(app.clock.now().getTime() + 10 * 60_000);
    expect(maskedDestination).toBe('');

    const wrong = await app.http('POST', '/v1/auth/mfa/setup/confirm', { token: user.accessToken, body: { setupToken, code: totp(secret, 3) } });
    expect(wrong.status).toBe(200);
    expect(wrong.body).toEqual({ error: { code: 'INVALID_CODE', message: expect.stringContaining('not valid') } });
    expect((await app.http('GET', '/v1/auth/mfa/status', { token: user.accessToken })).body.enabled).toBe(false);
    expect((await app.http('GET', '/v1/auth/credentials', { token: user.accessToken })).body.user.mfaEnabled).toBe(false);

    // One step of drift is accepted.
    const ok = await app.http('POST', '/v1/auth/mfa/setup/confirm', { token: user.accessToken, body: { setupToken, code: totp(secret, -1) } });
    expect(ok.status).toBe(200);
    const codes: string[] = ok.body.success.recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(RECOVERY_CODE);

    const status = await app.http('GET', '/v1/auth/mfa/status', { token: user.accessToken });
    expect(status.body).toEqual({
      enabled: true,
      methods: [{ method: 'MFA_METHOD_TOTP', enabled: true, hint: 'Authenticator app', configuredAt: app.clock.now().toISOString() }],
      recoveryCodesRemaining: 10,
    });
    expect((await app.http('GET', '/v1/auth/credentials', { token: user.accessToken })).body.user.mfaEnabled).toBe(true);

    // Recovery codes are stored only as HMAC-SHA-256 under a key derived from the newest MFA key (never plain SHA-256).
    const rows = await app.db.sql<{ code_hash: Buffer; scheme: string; key_id: string }>(
      'SELECT code_hash, scheme, key_id FROM mfa_recovery_codes WHERE user_id = $1', [user.userId]);
    expect(rows.every((r) => r.scheme === 'hmac-sha256' && r.key_id === 'k2')).toBe(true);
    const macKey = Buffer.from(hkdfSync('sha256', K2, Buffer.alloc(0), 'auth-service/mfa-recovery-code/hmac-sha256/v1', 32));
    expect(rows.map((r) => r.code_hash.toString('hex')).sort()).toEqual(
      codes.map((c) => createHmac('sha256', macKey).update(`${user.userId}\u0000${c.replace(/-/g, '')}`).digest('hex')).sort(),
    );
    for (const c of codes) {
      expect(rows.some((r) => r.code_hash.equals(createHash('sha256').update(c.replace(/-/g, '')).digest()))).toBe(false);
    }

    const again = await app.http('POST', '/v1/auth/mfa/setup/confirm', { token: user.accessToken, body: { setupToken, code: totp(secret) } });
    expect(again.status).toBe(400);
    expect(again.body.error.message).toMatch(/setup token/);
    const secondSetup = await app.http('POST', '/v1/auth/mfa/setup', { token: user.accessToken, body: {} });
    expect(secondSetup.status).toBe(400);
    expect(secondSetup.body.error).toMatchObject({ status: 'FAILED_PRECONDITION', message: expect.stringMatching(/already enabled/) });
  });

  it('enrols over gRPC v1 and v2 with the oneof result', async () => {
    for (const client of [app.auth, app.authV2]) {
      const user = await signUp('grpc-enrol');
      const setup = await client.call('SetupMfa', { method: 'MFA_METHOD_TOTP' }, bearer(user.accessToken));
      expect(setup.secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(setup.provisioningUri).toContain(`secret=${setup.secret}`);
      expect(setup.qrCodeSvg).toMatch(/^<svg/);
      expect(Number(setup.expiresAt.seconds)).toBe(Math.floor(app.clock.now().getTime() / 1000) + 600);

      const wrong = await client.call('ConfirmMfaSetup', { setupToken: setup.setupToken, code: totp(setup.secret, 2) }, bearer(user.accessToken));
      expect(wrong.result).toBe('error');
      expect(wrong.error).toMatchObject({ code: 'INVALID_CODE' });
      const ok = await client.call('ConfirmMfaSetup', { setupToken: setup.setupToken, code: totp(setup.secret) }, bearer(user.accessToken));
      expect(ok.result).toBe('success');
      expect(ok.success.recoveryCodes).toHaveLength(10);

      const status = await client.call('GetMfaStatus', {}, bearer(user.accessToken));
      expect(status).toMatchObject({ enabled: true, recoveryCodesRemaining: 10, methods: [{ method: 'MFA_METHOD_TOTP', enabled: true }] });
      expect(Number(status.methods[0].configuredAt.seconds)).toBe(Math.floor(app.clock.now().getTime() / 1000));
      const me = await client.call('ValidateCredentials', {}, bearer(user.accessToken));
      expect(me.user.mfaEnabled).toBe(true);
    }
  });

  it('fails an expired setup token and ends a setup after five wrong codes', async () => {
    const user = await signUp('setup-expiry');
    const first = await app.http('POST', '/v1/auth/mfa/setup', { token: user.accessToken, body: {} });
    app.clock.advance(10 * 60_000 + 1);
    const late = await app.http('POST', '/v1/auth/mfa/setup/confirm', {
      token: user.accessToken, body: { setupToken: first.body.setupToken, code: totp(first.body.secret) },
    });
    expect(late.status).toBe(400);
    expect(late.body.error.status).toBe('INVALID_ARGUMENT');

    // The session signed in over 10 minutes ago now (REAUTH_MAX_AGE_MINUTES): the password stands in.
    const second = await app.http('POST', '/v1/auth/mfa/setup', { token: user.accessToken, body: { password: PASSWORD } });
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await app.http('POST', '/v1/auth/mfa/setup/confirm', { token: user.accessToken, body: { setupToken: second.body.setupToken, code: '000000' } });
      answers.push(r.body.error.code);
    }
    expect(answers).toEqual(['INVALID_CODE', 'INVALID_CODE', 'INVALID_CODE', 'INVALID_CODE', 'TOO_MANY_ATTEMPTS']);
    const right = await app.http('POST', '/v1/auth/mfa/setup/confirm', {
      token: user.accessToken, body: { setupToken: second.body.setupToken, code: totp(second.body.secret) },
    });
    expect(right.status).toBe(400);
    expect((await app.db.sql('SELECT 1 FROM user_totp WHERE user_id = $1', [user.userId]))).toHaveLength(0);
  });

  it('cannot produce two secrets: one setup token confirmed 10 times in parallel, two setup tokens racing', async () => {
    const user = await signUp('confirm-race');
    const setup = await app.http('POST', '/v1/auth/mfa/setup', { token: user.accessToken, body: {} });
    const code = totp(setup.body.secret);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2 === 0
          ? app.http('POST', '/v1/auth/mfa/setup/confirm', { token: user.accessToken, body: { setupToken: setup.body.setupToken, code } })
            .then((r) => (r.status === 200 ? 'success' : r.body.error.status))
          : app.auth.call('ConfirmMfaSetup', { setupToken: setup.body.setupToken, code }, bearer(user.accessToken))
            .then(() => 'success', (e: GrpcError) => (e.code === grpc.status.INVALID_ARGUMENT ? 'INVALID_ARGUMENT' : String(e.code))),
      ),
    );
    expect(answers.filter((a) => a === 'success')).toHaveLength(1);
    expect(answers.filter((a) => a === 'INVALID_ARGUMENT')).toHaveLength(9);

    const other = await signUp('confirm-race-2');
    const [a, b] = [
      await app.http('POST', '/v1/auth/mfa/setup', { token: other.accessToken, body: {} }),
      await app.http('POST', '/v1/auth/mfa/setup', { token: other.accessToken, body: {} }),
    ];
    expect(a.body.secret).not.toBe(b.body.secret);
    const both = await Promise.all([a, b].map((s) =>
      app.http('POST', '/v1/auth/mfa/setup/confirm', { token: other.accessToken, body: { setupToken: s.body.setupToken, code: totp(s.body.secret) } })));
    expect(both.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(both.find((r) => r.status === 400)!.body.error.message).toMatch(/already enabled/);
    const rows = await app.db.sql('SELECT user_id FROM user_totp WHERE user_id = ANY($1::uuid[])', [[user.userId, other.userId]]);
    expect(rows).toHaveLength(2);
  });

  it('answers MFA_REQUIRED with a challenge and no tokens, and VerifyMfa signs in on REST', async () => {
    const user = await enrolled('challenge-rest');
    const auth = await app.http('POST', '/v1/auth/authenticate', { body: credentials(user.email, PASSWORD, 'laptop') });
    expect(auth.status).toBe(200);
    expect(auth.body.status).toBe('AUTH_STATUS_MFA_REQUIRED');
    expect(auth.body.tokens).toBeUndefined();
    expect(auth.body.user).toBeUndefined();
    const challenge = auth.body.mfaChallenge;
    expect(challenge.availableMethods).toEqual([
      { method: 'MFA_METHOD_TOTP', hint: 'Authenticator app', isDefault: true },
      { method: 'MFA_METHOD_RECOVERY_CODE', hint: expect.any(String), isDefault: false },
    ]);
    expect(Date.parse(challenge.expiresAt)).toBe(app.clock.now().getTime() + 5 * 60_000);
    // Stored only hashed.
    const [row] = await app.db.sql<{ token_hash: Buffer }>('SELECT token_hash FROM mfa_challenges WHERE user_id = $1', [user.userId]);
    expect(row.token_hash.equals(createHash('sha256').update(challenge.challengeToken).digest())).toBe(true);

    const wrong = await verifyRest(challenge.challengeToken, totp(user.secret, 5));
    expect(wrong.body).toMatchObject({ status: 'AUTH_STATUS_FAILED' });
    expect(wrong.body.tokens).toBeUndefined();

    const ok = await verifyRest(challenge.challengeToken, totp(user.secret));
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('AUTH_STATUS_SUCCESS');
    expect(ok.body.user).toMatchObject({ email: user.email, mfaEnabled: true });
    const sessions = await app.http('POST', '/v1/auth/sessions', { token: ok.body.tokens.accessToken, body: {} });
    expect(sessions.body.sessions.map((s: any) => s.deviceId).sort()).toEqual(['laptop', 'phone']);
    // A successful second factor clears the failure the wrong code counted.
    expect(await app.db.sql('SELECT 1 FROM login_attempts WHERE identifier = $1', [`email:${user.email}`])).toHaveLength(0);

    nextStep();
    const used = await verifyRest(challenge.challengeToken, totp(user.secret));
    expect(used.status).toBe(401);
    expect(used.body.error.message).toMatch(/challenge/);
  });

  it('runs the challenge flow over gRPC v1 and v2', async () => {
    const user = await enrolled('challenge-grpc');
    for (const client of [app.auth, app.authV2]) {
      const auth = await client.call('Authenticate', forGrpc(credentials(user.email, PASSWORD, 'tablet')));
      expect(auth.status).toBe('AUTH_STATUS_MFA_REQUIRED');
      expect(auth.tokens).toBeNull();
      expect(auth.mfaChallenge.availableMethods.map((m: any) => [m.method, m.isDefault])).toEqual([
        ['MFA_METHOD_TOTP', true], ['MFA_METHOD_RECOVERY_CODE', false],
      ]);
      expect(Number(auth.mfaChallenge.expiresAt.seconds)).toBe(Math.floor(app.clock.now().getTime() / 1000) + 300);
      const ok = await client.call('VerifyMfa', {
        challengeToken: auth.mfaChallenge.challengeToken, method: 'MFA_METHOD_TOTP', code: totp(user.secret), clientInfo: { deviceId: 'tablet' },
      });
      expect(ok.status).toBe('AUTH_STATUS_SUCCESS');
      expect(ok.user.mfaEnabled).toBe(true);
      const me = await client.call('ValidateCredentials', {}, bearer(ok.tokens.accessToken));
      expect(me.valid).toBe(true);
      const again = (await client.call('VerifyMfa', { challengeToken: auth.mfaChallenge.challengeToken, code: totp(user.secret, 1) })
        .catch((e: GrpcError) => e)) as GrpcError;
      expect(again.code).toBe(grpc.status.UNAUTHENTICATED);
      nextStep();
    }
  });

  it('rejects a code accepted once (also the one that confirmed the setup), and codes of older steps', async () => {
    const user = await signUp('replay');
    const setup = await app.http('POST', '/v1/auth/mfa/setup', { token: user.accessToken, body: {} });
    const confirmCode = totp(setup.body.secret);
    await app.http('POST', '/v1/auth/mfa/setup/confirm', { token: user.accessToken, body: { setupToken: setup.body.setupToken, code: confirmCode } });
    const replayOfSetup = await verifyRest(await challengeFor(user.email), confirmCode);
    expect(replayOfSetup.body.status).toBe('AUTH_STATUS_FAILED');

    nextStep();
    const code = totp(setup.body.secret);
    expect((await verifyRest(await challengeFor(user.email), code)).body.status).toBe('AUTH_STATUS_SUCCESS');
    const viaGrpc = await app.auth.call('VerifyMfa', { challengeToken: await challengeFor(user.email), method: 'MFA_METHOD_TOTP', code });
    expect(viaGrpc.status).toBe('AUTH_STATUS_FAILED');
    // Within the window, but not after the accepted step.
    expect((await verifyRest(await challengeFor(user.email), totp(setup.body.secret, -1))).body.status).toBe('AUTH_STATUS_FAILED');
    expect((await verifyRest(await challengeFor(user.email), totp(setup.body.secret, 1))).body.status).toBe('AUTH_STATUS_SUCCESS');
  });

  it('gives exactly one success to 20 parallel VerifyMfa with the same code on one challenge', async () => {
    const user = await enrolled('race-one');
    const challengeToken = await challengeFor(user.email);
    const code = totp(user.secret);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? verifyRest(challengeToken, code).then((r) => (r.status === 200 ? r.body.status : `HTTP ${r.status}`))
          : app.auth.call('VerifyMfa', { challengeToken, method: 'MFA_METHOD_TOTP', code })
            .then((r) => r.status, (e: GrpcError) => `gRPC ${e.code}`),
      ),
    );
    expect(outcomes.filter((o) => o === 'AUTH_STATUS_SUCCESS')).toHaveLength(1);
    for (const o of outcomes.filter((x) => x !== 'AUTH_STATUS_SUCCESS')) {
      expect(['HTTP 401', `gRPC ${grpc.status.UNAUTHENTICATED}`, 'AUTH_STATUS_FAILED']).toContain(o);
    }
    expect(await app.db.sql('SELECT 1 FROM sessions WHERE user_id = $1 AND device_id = $2', [user.userId, 'laptop'])).toHaveLength(1);
  });

  it('gives exactly one success to parallel VerifyMfa with the same code on every live challenge (5)', async () => {
    const user = await enrolled('race-many');
    const challenges: string[] = [];
    for (let i = 0; i < 5; i++) challenges.push(await challengeFor(user.email, `device-${i}`));
    const code = totp(user.secret);
    const outcomes = await Promise.all(
      challenges.map((challengeToken, i) =>
        i % 2 === 0
          ? verifyRest(challengeToken, code).then((r) => r.body.status)
          : app.auth.call('VerifyMfa', { challengeToken, method: 'MFA_METHOD_TOTP', code }).then((r) => r.status),
      ),
    );
    expect(outcomes.filter((o) => o === 'AUTH_STATUS_SUCCESS')).toHaveLength(1);
    expect(outcomes.every((o) => ['AUTH_STATUS_SUCCESS', 'AUTH_STATUS_FAILED', 'AUTH_STATUS_LOCKED'].includes(o))).toBe(true);
    const [factor] = await app.db.sql<{ last_used_step: string }>('SELECT last_used_step FROM user_totp WHERE user_id = $1', [user.userId]);
    expect(Number(factor.last_used_step)).toBe(Math.floor(app.clock.now().getTime() / 30_000));
    const [sessions] = await app.db.sql<{ n: number }>("SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND device_id LIKE 'device-%'", [user.userId]);
    expect(sessions.n).toBe(1);
  });

  it('accepts a recovery code once, on either transport, in any case and spacing', async () => {
    const user = await enrolled('recovery');
    const [first, second] = user.recoveryCodes;
    const ok = await verifyRest(await challengeFor(user.email), ` ${first.toUpperCase()} `, 'MFA_METHOD_RECOVERY_CODE');
    expect(ok.body.status).toBe('AUTH_STATUS_SUCCESS');
    const status = await app.http('GET', '/v1/auth/mfa/status', { token: ok.body.tokens.accessToken });
    expect(status.body.recoveryCodesRemaining).toBe(9);

    const reuse = await app.auth.call('VerifyMfa', { challengeToken: await challengeFor(user.email), method: 'MFA_METHOD_RECOVERY_CODE', code: first });
    expect(reuse.status).toBe('AUTH_STATUS_FAILED');
    const other = await app.authV2.call('VerifyMfa', {
      challengeToken: await challengeFor(user.email), method: 'MFA_METHOD_RECOVERY_CODE', code: second.replace(/-/g, ''),
    });
    expect(other.status).toBe('AUTH_STATUS_SUCCESS');
    const [count] = await app.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL', [user.userId]);
    expect(count.n).toBe(8);
  });

  it('consumes a recovery code once under parallel attempts on every live challenge (5)', async () => {
    const user = await enrolled('recovery-race');
    const challenges: string[] = [];
    for (let i = 0; i < 5; i++) challenges.push(await challengeFor(user.email, `rc-${i}`));
    const code = user.recoveryCodes[0];
    const outcomes = await Promise.all(challenges.map((c) => verifyRest(c, code, 'MFA_METHOD_RECOVERY_CODE').then((r) => r.body.status)));
    expect(outcomes.filter((o) => o === 'AUTH_STATUS_SUCCESS')).toHaveLength(1);
    expect(outcomes.every((o) => ['AUTH_STATUS_SUCCESS', 'AUTH_STATUS_FAILED', 'AUTH_STATUS_LOCKED'].includes(o))).toBe(true);
    const [left] = await app.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL', [user.userId]);
    expect(left.n).toBe(9);
  });

  it('ends a challenge after 5 minutes', async () => {
    const user = await enrolled('expiry');
    const challengeToken = await challengeFor(user.email);
    const grpcChallenge = await challengeFor(user.email, 'other');
    app.clock.advance(5 * 60_000 + 1);
    const rest = await verifyRest(challengeToken, totp(user.secret));
    expect(rest.status).toBe(401);
    expect(rest.body.error.status).toBe('UNAUTHENTICATED');
    const err = (await app.auth.call('VerifyMfa', { challengeToken: grpcChallenge, code: totp(user.secret) }).catch((e: GrpcError) => e)) as GrpcError;
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(err.reason).toBe('MFA_CHALLENGE_INVALID');
  });

  it('ends a challenge after five wrong codes, and wrong codes count towards the account lockout', async () => {
    const user = await enrolled('wrong-codes');
    const challengeToken = await challengeFor(user.email);
    for (let i = 0; i < 5; i++) expect((await verifyRest(challengeToken, '000000')).body.status).toBe('AUTH_STATUS_FAILED');
    const ended = await verifyRest(challengeToken, totp(user.secret));
    expect(ended.status).toBe(401);
    const [attempts] = await app.db.sql<{ failed_attempts: number }>('SELECT failed_attempts FROM login_attempts WHERE identifier = $1', [`email:${user.email}`]);
    expect(attempts.failed_attempts).toBe(5);

    // The password alone does not reset the count for an MFA user: three more wrong codes lock.
    const next = await challengeFor(user.email);
    expect((await verifyRest(next, '111111')).body.status).toBe('AUTH_STATUS_FAILED');
    expect((await verifyRest(next, '222222')).body.status).toBe('AUTH_STATUS_FAILED');
    const locked = await verifyRest(next, '333333');
    expect(locked.body.status).toBe('AUTH_STATUS_LOCKED');
    expect(locked.body.lockoutInfo).toMatchObject({ failedAttempts: MAX_FAILED, maxAttempts: MAX_FAILED });
    const signIn = await app.http('POST', '/v1/auth/authenticate', { body: credentials(user.email) });
    expect(signIn.body.status).toBe('AUTH_STATUS_LOCKED');
    expect((await verifyRest(next, totp(user.secret))).status).toBe(401);
  });

  it('DisableMfa needs the password, removes everything, revokes other sessions and queues a notice', async () => {
    const user = await enrolled('disable');
    const other = await verifyRest(await challengeFor(user.email, 'laptop'), totp(user.secret));
    expect(other.body.status).toBe('AUTH_STATUS_SUCCESS');

    nextStep(); // the sign-in above spent this step's code
    const wrong = await app.http('POST', '/v1/auth/mfa/disable', {
      token: user.accessToken, body: { method: 'MFA_METHOD_TOTP', password: 'wrong-password-1', code: totp(user.secret) },
    });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ fieldViolations: [{ field: 'password', description: 'is incorrect' }] })]));
    const grpcWrong = (await app.auth.call('DisableMfa', { password: 'wrong-password-2', code: totp(user.secret) }, bearer(user.accessToken))
      .catch((e: GrpcError) => e)) as GrpcError;
    expect(grpcWrong.code).toBe(grpc.status.PERMISSION_DENIED);
    const [attempts] = await app.db.sql<{ failed_attempts: number }>('SELECT failed_attempts FROM login_attempts WHERE identifier = $1', [`email:${user.email}`]);
    expect(attempts.failed_attempts).toBe(2);

    const ok = await app.http('POST', '/v1/auth/mfa/disable', { token: user.accessToken, body: { method: 'MFA_METHOD_TOTP', password: PASSWORD, code: totp(user.secret) } });
    expect(ok.status).toBe(204);
    expect((await app.http('GET', '/v1/auth/credentials', { token: other.body.tokens.accessToken })).status).toBe(401);
    const me = await app.http('GET', '/v1/auth/credentials', { token: user.accessToken });
    expect(me.body.user.mfaEnabled).toBe(false);
    expect((await app.http('GET', '/v1/auth/mfa/status', { token: user.accessToken })).body).toEqual({ enabled: false, methods: [], recoveryCodesRemaining: 0 });
    for (const table of ['user_totp', 'mfa_recovery_codes', 'mfa_setup_tokens', 'mfa_challenges']) {
      expect(await app.db.sql(`SELECT 1 FROM ${table} WHERE user_id = $1`, [user.userId]), table).toHaveLength(0);
    }
    const mails = await app.db.sql("SELECT recipient, template FROM mail_outbox WHERE recipient = $1 AND template = 'mfa-disabled'", [user.email]);
    expect(mails).toEqual([{ recipient: user.email, template: 'mfa-disabled' }]);
    expect((await app.http('POST', '/v1/auth/authenticate', { body: credentials(user.email) })).body.status).toBe('AUTH_STATUS_SUCCESS');

    const again = (await app.auth.call('DisableMfa', { method: 'MFA_METHOD_TOTP', password: PASSWORD, code: totp(user.secret, 1) }, bearer(user.accessToken))
      .catch((e: GrpcError) => e)) as GrpcError;
    expect(again.code).toBe(grpc.status.FAILED_PRECONDITION);
  });

  it('DisableMfa over gRPC answers Empty', async () => {
    const user = await enrolled('disable-grpc');
    expect(await app.authV2.call('DisableMfa', { method: 'MFA_METHOD_TOTP', password: PASSWORD, code: totp(user.secret) }, bearer(user.accessToken))).toEqual({});
    expect((await app.auth.call('GetMfaStatus', {}, bearer(user.accessToken))).enabled).toBe(false);
  });

  it('answers UNIMPLEMENTED for SMS and EMAIL, and needs a token for everything but VerifyMfa', async () => {
    const user = await signUp('methods');
    const rest = await app.http('POST', '/v1/auth/mfa/setup', { token: user.accessToken, body: { method: 'MFA_METHOD_SMS' } });
    expect(rest.status).toBe(501);
    expect(rest.body.error.message).toMatch(/only MFA_METHOD_TOTP/);
    const err = (await app.auth.call('SetupMfa', { method: 'MFA_METHOD_EMAIL' }, bearer(user.accessToken)).catch((e: GrpcError) => e)) as GrpcError;
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED);

    for (const [method, path] of [['GET', '/v1/auth/mfa/status'], ['POST', '/v2/auth/mfa/setup'], ['POST', '/v1/auth/mfa/setup/confirm'], ['POST', '/v2/auth/mfa/disable']]) {
      expect((await app.http(method, path, { body: method === 'POST' ? {} : undefined })).status, path).toBe(401);
    }
    const invalid = await app.http('POST', '/v2/auth/mfa/verify', { body: { challengeToken: '', code: '' } });
    expect(invalid.status).toBe(400);
    const unknown = await app.http('POST', '/v2/auth/mfa/verify', { body: { challengeToken: 'nope', code: '123456' } });
    expect(unknown.status).toBe(401);
  });

  it('never stores a secret in clear, in any row of any table', async () => {
    const user = await enrolled('at-rest');
    const pending = await app.http('POST', '/v1/auth/mfa/setup', { token: (await signUp('at-rest-pending')).accessToken, body: {} });
    const [factor] = await app.db.sql<{ key_id: string; secret_ciphertext: Buffer }>('SELECT key_id, secret_ciphertext FROM user_totp WHERE user_id = $1', [user.userId]);
    expect(factor.key_id).toBe('k2'); // the newest key writes
    expect(factor.secret_ciphertext.length).toBe(12 + 16 + 32);

    const tables = await app.db.sql<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'");
    let dump = '';
    for (const { table_name } of tables) {
      for (const row of await app.db.sql<{ t: string }>(`SELECT t::text AS t FROM "${table_name}" t`)) dump += row.t.toLowerCase() + '\n';
    }
    expect(dump).toContain(user.userId); // the dump does hold the rows
    for (const secret of [user.secret, pending.body.secret as string]) {
      expect(dump).not.toContain(secret.toLowerCase());
      expect(dump).not.toContain(Buffer.from(secret).toString('hex'));
      expect(dump).not.toContain(base32Decode(secret).toString('hex'));
    }
  });

  it('documents the MFA routes with the schemas they answer', async () => {
    const doc = (await app.http('GET', '/api-docs/openapi.json')).body;
    const user = await signUp('oas');
    const setup = await app.http('POST', '/v1/auth/mfa/setup', { token: user.accessToken, body: {} });
    expect(checkAgainstSchema(doc, responseSchema(doc, 'POST', '/v1/auth/mfa/setup', 200), setup.body)).toEqual([]);
    const wrong = await app.http('POST', '/v2/auth/mfa/setup/confirm', { token: user.accessToken, body: { setupToken: setup.body.setupToken, code: '000000' } });
    expect(checkAgainstSchema(doc, responseSchema(doc, 'POST', '/v2/auth/mfa/setup/confirm', 200), wrong.body)).toEqual([]);
    const ok = await app.http('POST', '/v1/auth/mfa/setup/confirm', { token: user.accessToken, body: { setupToken: setup.body.setupToken, code: totp(setup.body.secret) } });
    expect(checkAgainstSchema(doc, responseSchema(doc, 'POST', '/v1/auth/mfa/setup/confirm', 200), ok.body)).toEqual([]);
    const status = await app.http('GET', '/v1/auth/mfa/status', { token: user.accessToken });
    expect(checkAgainstSchema(doc, responseSchema(doc, 'GET', '/v1/auth/mfa/status', 200), status.body)).toEqual([]);
    nextStep();
    const auth = await app.http('POST', '/v1/auth/authenticate', { body: credentials(user.email) });
    expect(checkAgainstSchema(doc, responseSchema(doc, 'POST', '/v1/auth/authenticate', 200), auth.body)).toEqual([]);
    const verified = await verifyRest(auth.body.mfaChallenge.challengeToken, totp(setup.body.secret));
    expect(checkAgainstSchema(doc, responseSchema(doc, 'POST', '/v1/auth/mfa/verify', 200), verified.body)).toEqual([]);
    expect(doc.paths['/v2/auth/mfa/disable'].post.responses['204']).toBeDefined();
  });
});

describe('TOTP without MFA_ENCRYPTION_KEY', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers FAILED_PRECONDITION to SetupMfa on both transports, while status still works', async () => {
    const res = await app.http('POST', '/v1/auth/signup', { body: credentials(uniqueEmail('nokey')) });
    const token = res.body.tokens.accessToken;
    const rest = await app.http('POST', '/v1/auth/mfa/setup', { token, body: { method: 'MFA_METHOD_TOTP' } });
    expect(rest.status).toBe(400);
    expect(rest.body.error).toMatchObject({ status: 'FAILED_PRECONDITION', message: 'MFA is not configured on this server' });
    const err = (await app.auth.call('SetupMfa', { method: 'MFA_METHOD_TOTP' }, bearer(token)).catch((e: GrpcError) => e)) as GrpcError;
    expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(err.details).toBe('MFA is not configured on this server');
    expect((await app.http('GET', '/v1/auth/mfa/status', { token })).body.enabled).toBe(false);
  });
});

function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}
