import { randomBytes } from 'node:crypto';
import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { credentials, forGrpc, PASSWORD, uniqueEmail } from '../support/factories';
import { bearer, grpc, type GrpcError } from '../support/grpc-client';

const KEY = `k1:${randomBytes(32).toString('base64url')}`;
const MAX = 3;
const LOCKOUT_MS = 15 * 60_000;
const NEW_PASSWORD = 'brand-new-pass-1';

/**
 * An attacker holding a stolen access token (or the password, for the second
 * factor) fires many guesses at once. With MAX_FAILED_LOGIN_ATTEMPTS=3 at most
 * three of them may be judged; every other one must get the lock answer without
 * its guess being looked at. "Judged" = any answer that is not the lock answer.
 */
describe('parallel guess sprays (threshold 3)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp({ MFA_ENCRYPTION_KEY: KEY, MAX_FAILED_LOGIN_ATTEMPTS: String(MAX), LOCKOUT_DURATION_MINUTES: '15' });
  });
  afterAll(async () => {
    await app?.close();
  });

  const totp = (secret: string, offsetSteps = 0) =>
    generateSync({ secret, epoch: Math.floor(app.clock.now().getTime() / 1000) + offsetSteps * 30 });

  async function signUp(prefix: string) {
    const email = uniqueEmail(prefix);
    const res = await app.http('POST', '/v1/auth/signup', { body: credentials(email, PASSWORD, 'phone') });
    expect(res.body.status).toBe('AUTH_STATUS_SUCCESS');
    return { email, accessToken: res.body.tokens.accessToken as string, userId: res.body.user.userId as string };
  }

  async function enrolled(prefix: string) {
    const user = await signUp(prefix);
    const setup = await app.http('POST', '/v1/auth/mfa/setup', { token: user.accessToken, body: { method: 'MFA_METHOD_TOTP' } });
    const confirm = await app.http('POST', '/v1/auth/mfa/setup/confirm', {
      token: user.accessToken, body: { setupToken: setup.body.setupToken, code: totp(setup.body.secret) },
    });
    expect(confirm.body.success.recoveryCodes).toHaveLength(10);
    app.clock.advance(30_000);
    return { ...user, secret: setup.body.secret as string, recoveryCodes: confirm.body.success.recoveryCodes as string[] };
  }

  async function challengeFor(email: string, deviceId: string) {
    const res = await app.http('POST', '/v1/auth/authenticate', { body: credentials(email, PASSWORD, deviceId) });
    expect(res.body.status).toBe('AUTH_STATUS_MFA_REQUIRED');
    return res.body.mfaChallenge.challengeToken as string;
  }

  /** 'LOCKED' for the lock answer, 'WRONG' for a judged wrong password, 'OK', or what else came back. */
  async function restCall(path: string, token: string, body: object): Promise<string> {
    const r = await app.http('POST', path, { token, body });
    if (r.status === 204) return 'OK';
    const reason = r.body.error?.details?.[0]?.reason;
    if (r.status === 429 && reason === 'AUTH_LOCKED') return 'LOCKED';
    if (r.status === 403 && reason === 'AUTH_WRONG_PASSWORD') return 'WRONG';
    return `HTTP ${r.status} ${reason}`;
  }

  async function grpcCall(method: string, token: string, body: object): Promise<string> {
    try {
      await app.auth.call(method, body, bearer(token));
      return 'OK';
    } catch (e) {
      const err = e as GrpcError;
      if (err.code === grpc.status.RESOURCE_EXHAUSTED && err.reason === 'AUTH_LOCKED') return 'LOCKED';
      if (err.code === grpc.status.PERMISSION_DENIED && err.reason === 'AUTH_WRONG_PASSWORD') return 'WRONG';
      return `gRPC ${err.code} ${err.reason}`;
    }
  }

  const changePassword = (token: string, currentPassword: string, i: number) =>
    i % 2 === 0
      ? restCall('/v1/auth/password/change', token, { currentPassword, newPassword: NEW_PASSWORD })
      : grpcCall('ChangePassword', token, { currentPassword, newPassword: NEW_PASSWORD });

  /** With a current TOTP code: DisableMfa needs one, and it is looked at only after a right password. */
  const disableMfa = (token: string, password: string, i: number, code: string) =>
    i % 2 === 0
      ? restCall('/v1/auth/mfa/disable', token, { method: 'MFA_METHOD_TOTP', password, code })
      : grpcCall('DisableMfa', token, { method: 'MFA_METHOD_TOTP', password, code });

  /** AuthResponse status, or the error of an unusable challenge. */
  const verifyMfa = (challengeToken: string, code: string, method: string, i: number): Promise<string> =>
    i % 2 === 0
      ? app.http('POST', '/v1/auth/mfa/verify', { body: { challengeToken, method, code } })
        .then((r) => r.body.status ?? `HTTP ${r.status} ${r.body.error?.details?.[0]?.reason}`)
      : app.auth.call('VerifyMfa', { challengeToken, method, code })
        .then((r) => r.status as string, (e: GrpcError) => `gRPC ${e.code} ${e.reason}`);

  async function attemptsOf(email: string) {
    const [row] = await app.db.sql<{ failed_attempts: number; locked_until: Date | null }>(
      'SELECT failed_attempts, locked_until FROM login_attempts WHERE identifier = $1', [`email:${email}`]);
    return row;
  }

  async function expectLockedFor15Minutes(email: string) {
    const row = await attemptsOf(email);
    expect(row.failed_attempts).toBe(MAX);
    expect(row.locked_until?.getTime()).toBe(app.clock.now().getTime() + LOCKOUT_MS);
    const signIn = await app.auth.call('Authenticate', forGrpc(credentials(email)));
    expect(signIn.status).toBe('AUTH_STATUS_LOCKED');
  }

  /**
   * A judged wrong code answers FAILED, or LOCKED when it was the one that reached the
   * threshold, and counts on its challenge; unjudged ones answer LOCKED, or find their
   * challenge ended by a LOCKED answer. So the judged codes are the challenges' counts.
   */
  async function expectAtMostThresholdJudged(user: { userId: string; email: string }, answers: string[]) {
    const ended = [`HTTP 401 MFA_CHALLENGE_INVALID`, `gRPC ${grpc.status.UNAUTHENTICATED} MFA_CHALLENGE_INVALID`];
    expect(answers.filter((a) => !['AUTH_STATUS_LOCKED', 'AUTH_STATUS_FAILED', ...ended].includes(a))).toEqual([]);
    const [judged] = await app.db.sql<{ n: number }>('SELECT sum(failed_attempts)::int AS n FROM mfa_challenges WHERE user_id = $1', [user.userId]);
    expect(judged.n).toBe(MAX);
    expect(answers.filter((a) => a === 'AUTH_STATUS_FAILED')).toHaveLength(MAX - 1);
    await expectLockedFor15Minutes(user.email);
  }

  it('ChangePassword: 12 parallel wrong current passwords judge at most 3, then the right one is refused', async () => {
    const user = await signUp('spray-chpw');
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => changePassword(user.accessToken, `wrong-password-${i}`, i)));
    expect(answers.filter((a) => a !== 'LOCKED').length).toBeLessThanOrEqual(MAX);
    expect(answers.filter((a) => a !== 'LOCKED' && a !== 'WRONG')).toEqual([]);
    expect(answers.filter((a) => a === 'WRONG')).toHaveLength(MAX);
    await expectLockedFor15Minutes(user.email);

    // The right current password, on either transport, answers the lock and changes nothing.
    expect(await changePassword(user.accessToken, PASSWORD, 0)).toBe('LOCKED');
    expect(await changePassword(user.accessToken, PASSWORD, 1)).toBe('LOCKED');
    app.clock.advance(LOCKOUT_MS + 1);
    expect((await app.http('POST', '/v1/auth/authenticate', { body: credentials(user.email, NEW_PASSWORD) })).body.status).toBe('AUTH_STATUS_FAILED');
    expect(await changePassword(user.accessToken, PASSWORD, 1)).toBe('OK');
  });

  it('DisableMfa: 12 parallel wrong passwords judge at most 3, then the right one is refused and TOTP stays on', async () => {
    const user = await enrolled('spray-disable');
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => disableMfa(user.accessToken, `wrong-password-${i}`, i, totp(user.secret))));
    expect(answers.filter((a) => a !== 'LOCKED').length).toBeLessThanOrEqual(MAX);
    expect(answers.filter((a) => a !== 'LOCKED' && a !== 'WRONG')).toEqual([]);
    expect(answers.filter((a) => a === 'WRONG')).toHaveLength(MAX);
    await expectLockedFor15Minutes(user.email);

    expect(await disableMfa(user.accessToken, PASSWORD, 0, totp(user.secret))).toBe('LOCKED');
    expect(await disableMfa(user.accessToken, PASSWORD, 1, totp(user.secret))).toBe('LOCKED');
    expect(await app.db.sql('SELECT 1 FROM user_totp WHERE user_id = $1', [user.userId])).toHaveLength(1);
  });

  it('VerifyMfa: 10 parallel wrong TOTP codes over every live challenge judge at most 3 and lock the account', async () => {
    const user = await enrolled('spray-totp');
    const challenges: string[] = [];
    for (let i = 0; i < 5; i++) challenges.push(await challengeFor(user.email, `spray-${i}`));
    const right = totp(user.secret);
    const accepted = new Set([totp(user.secret, -1), right, totp(user.secret, 1)]);
    const wrongCodes: string[] = [];
    for (let n = 100_000; wrongCodes.length < 10; n += 7919) if (!accepted.has(String(n))) wrongCodes.push(String(n));
    const answers = await Promise.all(wrongCodes.map((code, i) => verifyMfa(challenges[i % 5], code, 'MFA_METHOD_TOTP', i)));
    await expectAtMostThresholdJudged(user, answers);
    // The right code on any challenge left open no longer signs in.
    for (const [i, c] of challenges.entries()) expect(await verifyMfa(c, right, 'MFA_METHOD_TOTP', i)).not.toBe('AUTH_STATUS_SUCCESS');
  });

  it('VerifyMfa: 10 parallel wrong recovery codes over every live challenge judge at most 3 and lock the account', async () => {
    const user = await enrolled('spray-recovery');
    const challenges: string[] = [];
    for (let i = 0; i < 5; i++) challenges.push(await challengeFor(user.email, `rc-spray-${i}`));
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) =>
      verifyMfa(challenges[i % 5], `aaaa-bbbb-cc${'abcdefghij'[i]}${'abcdefghij'[i]}`, 'MFA_METHOD_RECOVERY_CODE', i)));
    await expectAtMostThresholdJudged(user, answers);
    for (const [i, c] of challenges.entries()) {
      expect(await verifyMfa(c, user.recoveryCodes[i], 'MFA_METHOD_RECOVERY_CODE', i)).not.toBe('AUTH_STATUS_SUCCESS');
    }
    const [left] = await app.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL', [user.userId]);
    expect(left.n).toBe(10);
  });

  it('keeps at most 5 live challenges: a 6th retires the oldest, which then no longer verifies', async () => {
    const user = await enrolled('cap');
    const challenges: string[] = [];
    for (let i = 0; i < 6; i++) challenges.push(await challengeFor(user.email, `cap-${i}`));
    const [live] = await app.db.sql<{ n: number }>(
      'SELECT count(*)::int AS n FROM mfa_challenges WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2', [user.userId, app.clock.now()]);
    expect(live.n).toBe(5);

    const code = totp(user.secret);
    expect(await verifyMfa(challenges[0], code, 'MFA_METHOD_TOTP', 0)).toBe('HTTP 401 MFA_CHALLENGE_INVALID');
    expect(await verifyMfa(challenges[0], code, 'MFA_METHOD_TOTP', 1)).toBe(`gRPC ${grpc.status.UNAUTHENTICATED} MFA_CHALLENGE_INVALID`);
    // The retired challenge spent no code and counted no failure: the newest one still signs in with it.
    expect(await verifyMfa(challenges[5], code, 'MFA_METHOD_TOTP', 1)).toBe('AUTH_STATUS_SUCCESS');
  });
});

describe('live MFA challenges under parallel sign-ins', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp({ MFA_ENCRYPTION_KEY: KEY, MAX_FAILED_LOGIN_ATTEMPTS: '100' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('leaves at most 5 live challenges after 12 parallel password sign-ins of one MFA user', async () => {
    const email = uniqueEmail('cap-race');
    const res = await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    const token = res.body.tokens.accessToken as string;
    const setup = await app.http('POST', '/v1/auth/mfa/setup', { token, body: {} });
    const code = generateSync({ secret: setup.body.secret, epoch: Math.floor(app.clock.now().getTime() / 1000) });
    await app.http('POST', '/v1/auth/mfa/setup/confirm', { token, body: { setupToken: setup.body.setupToken, code } });

    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) =>
      i % 2 === 0
        ? app.http('POST', '/v1/auth/authenticate', { body: credentials(email, PASSWORD, `d-${i}`) }).then((r) => r.body.status)
        : app.auth.call('Authenticate', forGrpc(credentials(email, PASSWORD, `d-${i}`))).then((r) => r.status)));
    expect(answers.every((a) => a === 'AUTH_STATUS_MFA_REQUIRED')).toBe(true);
    const [live] = await app.db.sql<{ n: number }>(
      'SELECT count(*)::int AS n FROM mfa_challenges WHERE user_id = $1 AND used_at IS NULL', [res.body.user.userId]);
    expect(live.n).toBe(5);
  });
});
