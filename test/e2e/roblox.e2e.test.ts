import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeStatusDetails } from '../../src/common/errors/grpc-status-details';
import { CODE_WORDS } from '../../src/modules/roblox-verification/code-words';
import { bootTestApp, type TestApp } from '../support/app';
import { clientInfo, credentials, PASSWORD, uniqueEmail } from '../support/factories';
import { startFakeRoblox, type FakeRoblox } from '../support/fake-roblox';
import { bearer, grpc, grpcClient, type GrpcError } from '../support/grpc-client';
import { checkAgainstSchema, responseSchema } from '../support/openapi-check';

const MAX_FAILED = 3;
const TIMEOUT_MS = 300;
const MFA_KEY = `k1:${randomBytes(32).toString('base64')}`;

let counter = 0;
/** A fresh Roblox user id per call (within int64, past 2^32 like real recent ids). */
function newRobloxId(): string {
  counter += 1;
  return String(5_000_000_000 + Math.floor(Math.random() * 1_000_000) * 1000 + counter);
}

describe('Roblox identity (roblox.v1.RobloxService)', () => {
  let app: TestApp;
  let roblox: FakeRoblox;
  let rpc: ReturnType<typeof grpcClient>;

  beforeAll(async () => {
    roblox = await startFakeRoblox();
    app = await bootTestApp({
      ROBLOX_API_URL: roblox.url,
      ROBLOX_API_TIMEOUT_MS: String(TIMEOUT_MS),
      MAX_FAILED_LOGIN_ATTEMPTS: String(MAX_FAILED),
      MFA_ENCRYPTION_KEY: MFA_KEY,
    });
    rpc = grpcClient(app.grpcAddress, 'roblox.v1');
  });
  afterAll(async () => {
    rpc?.close();
    await app?.close();
    await roblox?.close();
  });

  const device = () => ({ installationId: randomUUID(), clientInfo: clientInfo() });
  const grpcDevice = () => ({ installationId: { value: randomUUID() }, clientInfo: clientInfo() });
  const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected the call to fail'); }, (e: GrpcError) => e);

  /** The verification id of the latest StartVerification per Roblox id: a proof counts only with it. */
  const verificationIds = new Map<string, string>();
  const vid = (id: string) => ({ verificationId: verificationIds.get(id) });

  /** StartVerification over REST; returns the code and remembers the verification id. */
  async function startCode(id: string): Promise<string> {
    const res = await app.http('POST', '/v1/roblox/verifications', { body: { robloxUserId: id } });
    expect(res.status, res.text).toBe(200);
    verificationIds.set(id, res.body.verificationId);
    return res.body.code as string;
  }

  /** A Roblox user whose profile shows a fresh code. */
  async function provenUser(id = newRobloxId(), extra: Record<string, unknown> = {}) {
    const code = await startCode(id);
    roblox.setUser(id, { description: `Hi! I build obbies.\n${code}\nThanks`, ...extra });
    return { id, code };
  }

  async function robloxSignUp(id: string, body: Record<string, unknown> = {}) {
    const res = await app.http('POST', '/v1/roblox/signup', { body: { robloxUserId: id, ...vid(id), ...device(), ...body } });
    expect(res.status, res.text).toBe(200);
    return res.body;
  }

  describe('StartVerification', () => {
    it('answers six words, the expiry and instructions on both transports; only a hash is stored, a new code replaces the old', async () => {
      const id = newRobloxId();
      const rest = await app.http('POST', '/v1/roblox/verifications', { body: { robloxUserId: id } });
      expect(rest.status).toBe(200);
      const words = (rest.body.code as string).split(' ');
      expect(words).toHaveLength(6);
      for (const w of words) expect(CODE_WORDS).toContain(w);
      expect(Date.parse(rest.body.expiresAt)).toBe(app.clock.now().getTime() + 60 * 60_000);
      expect(rest.body.instructions).toMatch(/About/);
      const doc = (await app.http('GET', '/api-docs/openapi.json')).body;
      expect(checkAgainstSchema(doc, responseSchema(doc, 'POST', '/v1/roblox/verifications', 200), rest.body)).toEqual([]);

      const [row] = await app.db.sql<{ code_hash: Buffer; used_at: Date | null }>('SELECT code_hash, used_at FROM roblox_verification_codes WHERE roblox_user_id = $1', [id]);
      expect(row.code_hash.equals(createHash('sha256').update(rest.body.code).digest())).toBe(true);
      const stored = JSON.stringify(await app.db.sql('SELECT * FROM roblox_verification_codes WHERE roblox_user_id = $1', [id]));
      expect(stored).not.toContain(words[0]);

      // Numbers are accepted in JSON; gRPC sends the int64 as a string.
      const viaGrpc = await rpc.call('StartVerification', { robloxUserId: id });
      expect(viaGrpc.code).toMatch(/^[a-z]+( [a-z]+){5}$/);
      expect(viaGrpc.code).not.toBe(rest.body.code);
      expect(Number(viaGrpc.expiresAt.seconds)).toBe(Math.floor(app.clock.now().getTime() / 1000) + 3600);
      expect(await app.db.sql('SELECT 1 FROM roblox_verification_codes WHERE roblox_user_id = $1', [id])).toHaveLength(1);

      // The replaced code no longer proves anything.
      roblox.setUser(id, { description: rest.body.code });
      const old = await app.http('POST', '/v1/roblox/signup', { body: { robloxUserId: id, verificationId: viaGrpc.verificationId, ...device() } });
      expect(old.status).toBe(400);
      expect(old.body.error).toMatchObject({ status: 'FAILED_PRECONDITION', message: expect.stringMatching(/verification code was not found/) });
    });

    it('refuses ids that are not positive int64 values on both transports', async () => {
      for (const bad of ['0', '-5', '007', 'abc', '9223372036854775808', 1.5, '']) {
        const res = await app.http('POST', '/v1/roblox/verifications', { body: { robloxUserId: bad } });
        expect(res.status, String(bad)).toBe(400);
        expect(res.body.error.details.find((d: any) => d.fieldViolations)?.fieldViolations[0].field).toBe('robloxUserId');
      }
      expect((await app.http('POST', '/v1/roblox/verifications', { body: { robloxUserId: 123456 } })).status).toBe(200);
      const err = await failure(rpc.call('StartVerification', {}));
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.fieldViolations[0].field).toBe('roblox_user_id');
      const badName = await app.http('POST', '/v1/roblox/signup', { body: { robloxUserId: '123', displayName: 'a\u0000b', ...device() } });
      expect(badName.status).toBe(400);
      expect(badName.body.error.details.find((d: any) => d.fieldViolations)?.fieldViolations[0].field).toBe('displayName');
    });
  });

  describe('SignUpWithRoblox and SignInWithRoblox', () => {
    it('signs up over REST with the code anywhere in the About text; display name defaults to the Roblox one; no email, no password', async () => {
      const id = newRobloxId();
      const code = await startCode(id);
      roblox.setUser(id, { name: 'builder_bob', displayName: 'Bob the Builder', description: `Scripter.  CODE: ${code.toUpperCase().replace(/ /g, ' - ')}!` });
      const res = await app.http('POST', '/v1/roblox/signup', { body: { robloxUserId: Number(id), ...vid(id), ...device() } });
      expect(res.status, res.text).toBe(200);
      expect(res.body.status).toBe('AUTH_STATUS_SUCCESS');
      expect(res.body.user).toMatchObject({
        displayName: 'Bob the Builder', email: '', phone: '', hasPassword: false, robloxUserId: id, robloxUsername: 'builder_bob', status: 'USER_STATUS_ACTIVE',
      });
      const doc = (await app.http('GET', '/api-docs/openapi.json')).body;
      expect(checkAgainstSchema(doc, responseSchema(doc, 'POST', '/v1/roblox/signup', 200), res.body)).toEqual([]);

      const identity = await app.http('GET', '/v1/roblox/identity', { token: res.body.tokens.accessToken });
      expect(identity.body).toEqual({ identity: { robloxUserId: id, username: 'builder_bob', linkedAt: app.clock.now().toISOString() } });
      expect(checkAgainstSchema(doc, responseSchema(doc, 'GET', '/v1/roblox/identity', 200), identity.body)).toEqual([]);
      const me = await app.http('GET', '/v1/auth/credentials', { token: res.body.tokens.accessToken });
      expect(me.body.user).toMatchObject({ robloxUserId: id, robloxUsername: 'builder_bob' });
      const [row] = await app.db.sql('SELECT email, phone, password_hash, roblox_user_id, roblox_username FROM users WHERE id = $1', [res.body.user.userId]);
      expect(row).toEqual({ email: null, phone: null, password_hash: null, roblox_user_id: id, roblox_username: 'builder_bob' });
    });

    it('signs up over gRPC with a password and a display name, then signs in with the password on both transports', async () => {
      const { id } = await provenUser();
      const res = await rpc.call('SignUpWithRoblox', { robloxUserId: id, ...vid(id), password: PASSWORD, displayName: ' Ada ', ...grpcDevice() });
      expect(res.status).toBe('AUTH_STATUS_SUCCESS');
      expect(res.user).toMatchObject({ displayName: 'Ada', hasPassword: true, robloxUserId: id, robloxUsername: `dev_${id}`, email: '' });
      expect(res.tokens.accessToken).toBeTruthy();

      // The password path never asks Roblox: it works while the API is down.
      roblox.update(id, { status: 503 });
      const before = roblox.requests.length;
      const viaRest = await app.http('POST', '/v1/roblox/signin', { body: { robloxUserId: id, password: PASSWORD, ...device() } });
      expect(viaRest.body.status).toBe('AUTH_STATUS_SUCCESS');
      const viaGrpc = await rpc.call('SignInWithRoblox', { robloxUserId: id, password: PASSWORD, ...grpcDevice() });
      expect(viaGrpc.status).toBe('AUTH_STATUS_SUCCESS');
      expect(viaGrpc.user.robloxUserId).toBe(id);
      expect(roblox.requests.length).toBe(before);
    });

    it('checks a password like Authenticate: one generic failure, lockout per Roblox id, unknown ids alike', async () => {
      const { id } = await provenUser();
      await robloxSignUp(id, { password: PASSWORD });
      const wrong = await app.http('POST', '/v1/roblox/signin', { body: { robloxUserId: id, password: 'wrong-password-1', ...device() } });
      const unknown = await app.http('POST', '/v1/roblox/signin', { body: { robloxUserId: newRobloxId(), password: 'wrong-password-1', ...device() } });
      expect(wrong.body).toEqual({ status: 'AUTH_STATUS_FAILED', message: 'Invalid credentials' });
      expect(unknown.body).toEqual(wrong.body);

      for (let i = 1; i < MAX_FAILED; i++) await rpc.call('SignInWithRoblox', { robloxUserId: id, password: 'wrong-password-1', ...grpcDevice() });
      const locked = await app.http('POST', '/v1/roblox/signin', { body: { robloxUserId: id, password: PASSWORD, ...device() } });
      expect(locked.body.status).toBe('AUTH_STATUS_LOCKED');
      expect(locked.body.lockoutInfo).toMatchObject({ failedAttempts: MAX_FAILED, maxAttempts: MAX_FAILED });
      const [row] = await app.db.sql('SELECT failed_attempts FROM login_attempts WHERE identifier = $1', [`roblox:${id}`]);
      expect(row.failed_attempts).toBe(MAX_FAILED);

      app.clock.advance(15 * 60_000 + 1);
      const after = await app.http('POST', '/v1/roblox/signin', { body: { robloxUserId: id, password: PASSWORD, ...device() } });
      expect(after.body.status).toBe('AUTH_STATUS_SUCCESS');
      expect(await app.db.sql('SELECT 1 FROM login_attempts WHERE identifier = $1', [`roblox:${id}`])).toHaveLength(0);
    });

    it('signs in without a password by the profile code on both transports; a code works once', async () => {
      const { id, code } = await provenUser();
      await robloxSignUp(id);
      // The sign-up spent the code that is still in the profile.
      const reused = await app.http('POST', '/v1/roblox/signin', { body: { robloxUserId: id, ...vid(id), ...device() } });
      expect(reused.status).toBe(400);
      expect(reused.body.error).toMatchObject({ status: 'FAILED_PRECONDITION', message: expect.stringMatching(/No live verification code/) });
      expect(reused.body.error.details).toContainEqual(expect.objectContaining({ reason: 'ROBLOX_CODE_NOT_FOUND' }));
      expect(code).toBeTruthy();

      const second = await startCode(id);
      roblox.update(id, { description: second, name: 'renamed_dev' });
      const viaGrpc = await rpc.call('SignInWithRoblox', { robloxUserId: id, ...vid(id), ...grpcDevice() });
      expect(viaGrpc.status).toBe('AUTH_STATUS_SUCCESS');
      // The username follows Roblox at every proof.
      expect(viaGrpc.user.robloxUsername).toBe('renamed_dev');
      const again = await failure(rpc.call('SignInWithRoblox', { robloxUserId: id, ...vid(id), ...grpcDevice() }));
      expect(again.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect(again.reason).toBe('ROBLOX_CODE_NOT_FOUND');

      const third = await startCode(id);
      roblox.update(id, { description: third });
      const viaRest = await app.http('POST', '/v1/roblox/signin', { body: { robloxUserId: id, ...vid(id), ...device() } });
      expect(viaRest.body.status).toBe('AUTH_STATUS_SUCCESS');
    });

    it('fails an expired code, and a profile without the code, without spending the code', async () => {
      const id = newRobloxId();
      const code = await startCode(id);
      roblox.setUser(id, { description: 'nothing here' });
      const missing = await app.http('POST', '/v1/roblox/signup', { body: { robloxUserId: id, ...vid(id), ...device() } });
      expect(missing.status).toBe(400);
      expect(missing.body.error.details).toContainEqual(expect.objectContaining({ reason: 'ROBLOX_CODE_NOT_IN_PROFILE' }));
      // Five of the six words are not the code.
      roblox.update(id, { description: code.split(' ').slice(0, 5).join(' ') });
      expect((await failure(rpc.call('SignUpWithRoblox', { robloxUserId: id, ...vid(id), ...grpcDevice() }))).reason).toBe('ROBLOX_CODE_NOT_IN_PROFILE');

      roblox.update(id, { description: code });
      app.clock.advance(60 * 60_000 + 1);
      const expired = await app.http('POST', '/v1/roblox/signup', { body: { robloxUserId: id, ...vid(id), ...device() } });
      expect(expired.status).toBe(400);
      expect(expired.body.error.details).toContainEqual(expect.objectContaining({ reason: 'ROBLOX_CODE_NOT_FOUND' }));
      expect(await app.db.sql('SELECT 1 FROM users WHERE roblox_user_id = $1', [id])).toHaveLength(0);

      // Right before the expiry it would have worked.
      const fresh = await startCode(id);
      roblox.update(id, { description: fresh });
      app.clock.advance(60 * 60_000 - 1);
      expect((await robloxSignUp(id)).status).toBe('AUTH_STATUS_SUCCESS');
    });

    it('answers FAILED for a proven Roblox user without an account, keeping the code for the sign-up', async () => {
      const { id } = await provenUser();
      const res = await app.http('POST', '/v1/roblox/signin', { body: { robloxUserId: id, ...vid(id), ...device() } });
      expect(res.body).toEqual({ status: 'AUTH_STATUS_FAILED', message: 'Invalid credentials' });
      expect((await robloxSignUp(id)).status).toBe('AUTH_STATUS_SUCCESS');
    });

    it('refuses a second account for a Roblox id (ALREADY_EXISTS) and SUSPENDED accounts only after the proof', async () => {
      const { id } = await provenUser();
      const first = await robloxSignUp(id, { password: PASSWORD });
      await startCode(id).then((code) => roblox.update(id, { description: code }));
      const second = await app.http('POST', '/v1/roblox/signup', { body: { robloxUserId: id, ...vid(id), ...device() } });
      expect(second.status).toBe(409);
      expect(second.body.error).toMatchObject({ status: 'ALREADY_EXISTS' });
      const viaGrpc = await failure(rpc.call('SignUpWithRoblox', { robloxUserId: id, ...vid(id), ...grpcDevice() }));
      expect(viaGrpc.code).toBe(grpc.status.ALREADY_EXISTS);

      await app.db.sql(`UPDATE users SET status = 'suspended' WHERE id = $1`, [first.user.userId]);
      roblox.update(id, { description: 'no code' });
      const unproven = await app.http('POST', '/v1/roblox/signin', { body: { robloxUserId: id, ...vid(id), ...device() } });
      expect(unproven.status).toBe(400);
      roblox.update(id, { description: await startCode(id) });
      const proven = await app.http('POST', '/v1/roblox/signin', { body: { robloxUserId: id, ...vid(id), ...device() } });
      expect(proven.body.status).toBe('AUTH_STATUS_SUSPENDED');
    });

    it('lets exactly one of 20 parallel sign-ups with one code succeed, on both transports', async () => {
      const { id } = await provenUser();
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          i % 2 === 0
            ? app.http('POST', '/v1/roblox/signup', { body: { robloxUserId: id, ...vid(id), ...device() } }).then((r) => r.body.status ?? r.body.error.status)
            : rpc.call('SignUpWithRoblox', { robloxUserId: id, ...vid(id), ...grpcDevice() }).then((r) => r.status, (e: GrpcError) => grpc.status[e.code]),
        ),
      );
      expect(answers.filter((a) => a === 'AUTH_STATUS_SUCCESS')).toHaveLength(1);
      expect(answers.filter((a) => a === 'FAILED_PRECONDITION' || a === 'ALREADY_EXISTS')).toHaveLength(19);
      expect(await app.db.sql('SELECT 1 FROM users WHERE roblox_user_id = $1', [id])).toHaveLength(1);
    });

    it('lets exactly one of 20 parallel code sign-ins with one code succeed', async () => {
      const { id } = await provenUser();
      await robloxSignUp(id, { password: PASSWORD });
      roblox.update(id, { description: await startCode(id) });
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          i % 2 === 0
            ? app.http('POST', '/v1/roblox/signin', { body: { robloxUserId: id, ...vid(id), ...device() } }).then((r) => r.body.status ?? r.body.error.status)
            : rpc.call('SignInWithRoblox', { robloxUserId: id, ...vid(id), ...grpcDevice() }).then((r) => r.status, (e: GrpcError) => grpc.status[e.code]),
        ),
      );
      expect(answers.filter((a) => a === 'AUTH_STATUS_SUCCESS')).toHaveLength(1);
      expect(answers.filter((a) => a === 'FAILED_PRECONDITION')).toHaveLength(19);
    });

    it('asks accounts with TOTP for the second factor, with a password or the code, and finishes through VerifyMfa', async () => {
      const { id } = await provenUser();
      const signUp = await robloxSignUp(id, { password: PASSWORD });
      const token = signUp.tokens.accessToken as string;
      const totp = (secret: string) => generateSync({ secret, epoch: Math.floor(app.clock.now().getTime() / 1000) });
      const setup = await app.http('POST', '/v1/auth/mfa/setup', { token, body: { method: 'MFA_METHOD_TOTP' } });
      expect(setup.status, setup.text).toBe(200);
      const confirm = await app.http('POST', '/v1/auth/mfa/setup/confirm', { token, body: { setupToken: setup.body.setupToken, code: totp(setup.body.secret) } });
      expect(confirm.body.success.recoveryCodes).toHaveLength(10);
      app.clock.advance(30_000);

      const withPassword = await app.http('POST', '/v1/roblox/signin', { body: { robloxUserId: id, password: PASSWORD, ...device() } });
      expect(withPassword.body.status).toBe('AUTH_STATUS_MFA_REQUIRED');
      expect(withPassword.body.tokens).toBeUndefined();
      const verified = await app.http('POST', '/v1/auth/mfa/verify', {
        body: { challengeToken: withPassword.body.mfaChallenge.challengeToken, method: 'MFA_METHOD_TOTP', code: totp(setup.body.secret) },
      });
      expect(verified.body.status).toBe('AUTH_STATUS_SUCCESS');
      expect(verified.body.user.robloxUserId).toBe(id);
      app.clock.advance(30_000);

      roblox.update(id, { description: await startCode(id) });
      const withCode = await rpc.call('SignInWithRoblox', { robloxUserId: id, ...vid(id), ...grpcDevice() });
      expect(withCode.status).toBe('AUTH_STATUS_MFA_REQUIRED');
      const viaGrpc = await app.auth.call('VerifyMfa', { challengeToken: withCode.mfaChallenge.challengeToken, method: 'MFA_METHOD_TOTP', code: totp(setup.body.secret) });
      expect(viaGrpc.status).toBe('AUTH_STATUS_SUCCESS');

      // Wrong MFA codes of a Roblox account count towards its Roblox lockout key.
      const challenge = await app.http('POST', '/v1/roblox/signin', { body: { robloxUserId: id, password: PASSWORD, ...device() } });
      await app.http('POST', '/v1/auth/mfa/verify', { body: { challengeToken: challenge.body.mfaChallenge.challengeToken, method: 'MFA_METHOD_TOTP', code: '000000' } });
      const [row] = await app.db.sql('SELECT failed_attempts FROM login_attempts WHERE identifier = $1', [`roblox:${id}`]);
      expect(row.failed_attempts).toBe(1);
    });
  });

  describe('the Roblox users API failing', () => {
    async function proofError(id: string) {
      const rest = await app.http('POST', '/v1/roblox/signup', { body: { robloxUserId: id, ...vid(id), ...device() } });
      const viaGrpc = await failure(rpc.call('SignUpWithRoblox', { robloxUserId: id, ...vid(id), ...grpcDevice() }));
      const bin = viaGrpc.metadata.get('grpc-status-details-bin')[0] as Buffer | undefined;
      return { rest, grpc: viaGrpc, retryDelaySeconds: bin ? decodeStatusDetails(bin).retryDelaySeconds : undefined };
    }

    it('maps an unknown Roblox user to NOT_FOUND and a banned one to PERMISSION_DENIED', async () => {
      const unknown = newRobloxId();
      await startCode(unknown);
      const notFound = await proofError(unknown);
      expect(notFound.rest.status).toBe(404);
      expect(notFound.rest.body.error.message).toBe('Unknown Roblox user');
      expect(notFound.grpc.code).toBe(grpc.status.NOT_FOUND);

      const { id } = await provenUser(newRobloxId(), { isBanned: true });
      const banned = await proofError(id);
      expect(banned.rest.status).toBe(403);
      expect(banned.rest.body.error.details).toContainEqual(expect.objectContaining({ reason: 'ROBLOX_USER_BANNED' }));
      expect(banned.grpc.code).toBe(grpc.status.PERMISSION_DENIED);
    });

    it('maps 429, 5xx, slow answers and bad bodies to UNAVAILABLE with a retry hint, never INTERNAL, and keeps the code', async () => {
      const { id } = await provenUser();
      const cases: { change: Parameters<FakeRoblox['update']>[1]; retry: number }[] = [
        { change: { status: 429, retryAfter: '17' }, retry: 17 },
        { change: { status: 429, retryAfter: undefined }, retry: 5 },
        { change: { status: 500 }, retry: 5 },
        { change: { status: 503, retryAfter: '120' }, retry: 120 },
        { change: { status: undefined, delayMs: TIMEOUT_MS + 500 }, retry: 5 },
        { change: { delayMs: undefined, rawBody: '<html>maintenance</html>' }, retry: 5 },
        { change: { rawBody: '{"id": 1, "name": "someone else"}' }, retry: 5 },
      ];
      for (const { change, retry } of cases) {
        roblox.update(id, change);
        const started = Date.now();
        const { rest, grpc: viaGrpc, retryDelaySeconds } = await proofError(id);
        const what = JSON.stringify(change);
        expect(rest.status, what).toBe(503);
        expect(rest.body.error.status, what).toBe('UNAVAILABLE');
        expect(rest.headers.get('retry-after'), what).toBe(String(retry));
        expect(viaGrpc.code, what).toBe(grpc.status.UNAVAILABLE);
        expect(viaGrpc.reason, what).toBe('ROBLOX_UNAVAILABLE');
        expect(retryDelaySeconds, what).toBe(retry);
        if (change.delayMs) expect(Date.now() - started, 'the timeout cut both calls short').toBeLessThan(2 * TIMEOUT_MS + 400);
      }
      roblox.update(id, { rawBody: undefined });
      expect((await robloxSignUp(id)).status).toBe('AUTH_STATUS_SUCCESS');
    });

    it('answers UNAVAILABLE when nothing listens at ROBLOX_API_URL', async () => {
      const other = await bootTestApp({ ROBLOX_API_URL: 'http://127.0.0.1:9', ROBLOX_API_TIMEOUT_MS: '1000' });
      try {
        const id = newRobloxId();
        const started = await other.http('POST', '/v1/roblox/verifications', { body: { robloxUserId: id } });
        const res = await other.http('POST', '/v1/roblox/signin', { body: { robloxUserId: id, verificationId: started.body.verificationId, ...device() } });
        expect(res.status).toBe(503);
        expect(res.body.error.message).toMatch(/could not be reached/);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      } finally {
        await other.close();
      }
    });
  });

  describe('linking', () => {
    async function emailAccount() {
      const email = uniqueEmail('linker');
      const res = await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
      return { email, token: res.body.tokens.accessToken as string, userId: res.body.user.userId as string };
    }

    it('links a proven Roblox user over REST, shows it everywhere, unlinks it, and refuses ids held by another account', async () => {
      const account = await emailAccount();
      const { id } = await provenUser(newRobloxId(), { name: 'linked_one' });
      const none = await app.http('GET', '/v1/roblox/identity', { token: account.token });
      expect(none.status).toBe(404);
      expect(none.body.error.status).toBe('NOT_FOUND');

      const linked = await app.http('POST', '/v1/roblox/link', { token: account.token, body: { robloxUserId: id, ...vid(id) } });
      expect(linked.status, linked.text).toBe(200);
      expect(linked.body).toEqual({ identity: { robloxUserId: id, username: 'linked_one', linkedAt: app.clock.now().toISOString() } });
      const doc = (await app.http('GET', '/api-docs/openapi.json')).body;
      expect(checkAgainstSchema(doc, responseSchema(doc, 'POST', '/v1/roblox/link', 200), linked.body)).toEqual([]);
      expect((await app.http('GET', '/v1/auth/credentials', { token: account.token })).body.user).toMatchObject({ robloxUserId: id, robloxUsername: 'linked_one' });
      const snapshot = await app.auth.call('ValidateCredentials', {}, bearer(account.token));
      expect(snapshot.user).toMatchObject({ robloxUserId: id, robloxUsername: 'linked_one' });

      // The Roblox identity now signs in to the email account too.
      roblox.update(id, { description: await startCode(id) });
      const signIn = await app.http('POST', '/v1/roblox/signin', { body: { robloxUserId: id, ...vid(id), ...device() } });
      expect(signIn.body.user).toMatchObject({ userId: account.userId, email: account.email });

      // Another account cannot take it, with or without a proof.
      const other = await emailAccount();
      roblox.update(id, { description: await startCode(id) });
      const taken = await app.http('POST', '/v1/roblox/link', { token: other.token, body: { robloxUserId: id, ...vid(id) } });
      expect(taken.status).toBe(409);
      // Nor can the linked account link a second one.
      const { id: second } = await provenUser();
      const twice = await app.http('POST', '/v1/roblox/link', { token: account.token, body: { robloxUserId: second, ...vid(second) } });
      expect(twice.status).toBe(400);
      expect(twice.body.error.details).toContainEqual(expect.objectContaining({ reason: 'ROBLOX_ACCOUNT_HAS_LINK' }));

      const unlinked = await app.http('DELETE', '/v1/roblox/link', { token: account.token });
      expect(unlinked.status).toBe(204);
      expect((await app.http('GET', '/v1/roblox/identity', { token: account.token })).status).toBe(404);
      expect((await app.http('DELETE', '/v1/roblox/link', { token: account.token })).status).toBe(404);
      const [row] = await app.db.sql('SELECT roblox_user_id, roblox_username, roblox_linked_at FROM users WHERE id = $1', [account.userId]);
      expect(row).toEqual({ roblox_user_id: null, roblox_username: null, roblox_linked_at: null });
      expect((await app.http('GET', '/v1/auth/credentials', { token: account.token })).body.user.robloxUserId).toBeUndefined();
    });

    it('links, reads and unlinks over gRPC; linking needs the proof and the token', async () => {
      const account = await emailAccount();
      const id = newRobloxId();
      await startCode(id);
      roblox.setUser(id, { description: 'no code yet' });
      const unproven = await failure(rpc.call('LinkRobloxAccount', { robloxUserId: id, ...vid(id) }, bearer(account.token)));
      expect(unproven.reason).toBe('ROBLOX_CODE_NOT_IN_PROFILE');
      expect((await failure(rpc.call('LinkRobloxAccount', { robloxUserId: id, ...vid(id) }))).code).toBe(grpc.status.UNAUTHENTICATED);

      roblox.update(id, { description: await startCode(id) });
      const linked = await rpc.call('LinkRobloxAccount', { robloxUserId: id, ...vid(id) }, bearer(account.token));
      expect(linked.identity).toMatchObject({ robloxUserId: id, username: `dev_${id}` });
      const read = await rpc.call('GetRobloxIdentity', {}, bearer(account.token));
      expect(read.identity.robloxUserId).toBe(id);
      expect(Number(read.identity.linkedAt.seconds)).toBe(Math.floor(app.clock.now().getTime() / 1000));
      expect(await rpc.call('UnlinkRobloxAccount', {}, bearer(account.token))).toEqual({});
      expect((await failure(rpc.call('GetRobloxIdentity', {}, bearer(account.token)))).code).toBe(grpc.status.NOT_FOUND);
    });

    it('refuses to unlink the only way into an account (no password, no email), on both transports', async () => {
      const { id } = await provenUser();
      const signUp = await robloxSignUp(id);
      const rest = await app.http('DELETE', '/v1/roblox/link', { token: signUp.tokens.accessToken });
      expect(rest.status).toBe(400);
      expect(rest.body.error).toMatchObject({ status: 'FAILED_PRECONDITION', message: expect.stringMatching(/only way to sign in/) });
      const viaGrpc = await failure(rpc.call('UnlinkRobloxAccount', {}, bearer(signUp.tokens.accessToken)));
      expect(viaGrpc.reason).toBe('ROBLOX_UNLINK_LAST_SIGN_IN');
      expect((await app.http('GET', '/v1/roblox/identity', { token: signUp.tokens.accessToken })).body.identity.robloxUserId).toBe(id);

      // With a password the account keeps a way in, so unlinking is fine.
      const { id: other } = await provenUser();
      const withPassword = await robloxSignUp(other, { password: PASSWORD });
      expect((await app.http('DELETE', '/v1/roblox/link', { token: withPassword.tokens.accessToken })).status).toBe(204);
    });

    it('shows the link in users.v1 User and UserInfo', async () => {
      const { id } = await provenUser(newRobloxId(), { name: 'listed_dev' });
      const signUp = await robloxSignUp(id);
      const admin = await emailAccount();
      await app.db.sql(`UPDATE users SET role = 'admin' WHERE id = $1`, [admin.userId]);
      const list = await app.http('GET', `/v1/users?user_id=${signUp.user.userId}`, { token: admin.token, headers: { accept: 'application/x-ndjson' } });
      expect(JSON.parse(list.text.trim().split('\n')[0])).toMatchObject({ robloxUserId: id, robloxUsername: 'listed_dev', email: '' });
      const info = await app.http('GET', `/v1/users/info?user_id=${signUp.user.userId}`, { token: admin.token, headers: { accept: 'application/x-ndjson' } });
      expect(JSON.parse(info.text.trim().split('\n')[0])).toMatchObject({ robloxUserId: id, robloxUsername: 'listed_dev' });
      // An administrator may rename the account although it has no email or phone.
      const renamed = await app.http('PATCH', `/v1/users/${signUp.user.userId}`, { token: admin.token, body: { name: 'Renamed' } });
      expect(renamed.status, renamed.text).toBe(200);
      expect(renamed.body).toMatchObject({ name: 'Renamed', robloxUserId: id });
    });
  });
});

describe('StartVerification rate limits (per Roblox id and per IP)', () => {
  let app: TestApp;
  let rpc: ReturnType<typeof grpcClient>;
  beforeAll(async () => {
    app = await bootTestApp({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_MAX: '3', RATE_LIMIT_TTL_SECONDS: '60', TRUSTED_PROXIES: '127.0.0.1' });
    rpc = grpcClient(app.grpcAddress, 'roblox.v1');
  });
  afterAll(async () => {
    rpc?.close();
    await app?.close();
  });

  const from = (ip: string) => ({ 'x-forwarded-for': ip });

  it('limits one Roblox id across addresses and transports', async () => {
    const id = newRobloxId();
    expect((await app.http('POST', '/v1/roblox/verifications', { body: { robloxUserId: id }, headers: from('203.0.113.1') })).status).toBe(200);
    expect((await rpc.call('StartVerification', { robloxUserId: id }, from('203.0.113.2'))).code).toBeTruthy();
    expect((await app.http('POST', '/v1/roblox/verifications', { body: { robloxUserId: Number(id) }, headers: from('203.0.113.3') })).status).toBe(200);
    const limited = await app.http('POST', '/v1/roblox/verifications', { body: { robloxUserId: id }, headers: from('203.0.113.4') });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const viaGrpc = await rpc.call('StartVerification', { robloxUserId: id }, from('203.0.113.5')).catch((e: GrpcError) => e);
    expect((viaGrpc as GrpcError).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    // Another id from a fresh address is untouched.
    expect((await app.http('POST', '/v1/roblox/verifications', { body: { robloxUserId: newRobloxId() }, headers: from('203.0.113.6') })).status).toBe(200);
  });

  it('limits one address across Roblox ids', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await app.http('POST', '/v1/roblox/verifications', { body: { robloxUserId: newRobloxId() }, headers: from('198.51.100.7') })).status).toBe(200);
    }
    const limited = await app.http('POST', '/v1/roblox/verifications', { body: { robloxUserId: newRobloxId() }, headers: from('198.51.100.7') });
    expect(limited.status).toBe(429);
    expect(limited.body.error.status).toBe('RESOURCE_EXHAUSTED');
  });
});
