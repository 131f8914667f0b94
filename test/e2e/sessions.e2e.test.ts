import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { bearer, grpc, type GrpcError } from '../support/grpc-client';
import { credentials, forGrpc, PASSWORD, uniqueEmail } from '../support/factories';

describe('sessions, password change, revocation', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  async function signInOn(email: string, deviceId: string) {
    const res = await app.http('POST', '/v1/auth/authenticate', { body: credentials(email, PASSWORD, deviceId) });
    expect(res.body.status).toBe('AUTH_STATUS_SUCCESS');
    return res.body.tokens as { accessToken: string; refreshToken: string };
  }

  it('keeps one session per device, lists them newest first and marks the current one', async () => {
    const email = uniqueEmail('sess');
    await app.http('POST', '/v1/auth/signup', { body: credentials(email, PASSWORD, 'phone') });
    app.clock.advance(1_000);
    await signInOn(email, 'laptop');
    app.clock.advance(1_000);
    const again = await signInOn(email, 'laptop');
    const list = await app.http('POST', '/v1/auth/sessions', { token: again.accessToken, body: { refreshToken: again.refreshToken } });
    expect(list.status).toBe(200);
    expect(list.body.sessions.map((s: any) => s.deviceId)).toEqual(['laptop', 'phone']);
    expect(list.body.sessions.map((s: any) => s.isCurrent)).toEqual([true, false]);
    const s = list.body.sessions[0];
    expect(s).toMatchObject({ deviceName: 'Test phone', deviceType: 'ios', clientVersion: '1.2.3', ipAddress: '127.0.0.1', ipCreatedBy: '127.0.0.1', ipCountry: 'ZZ', activityCount: 0, metadata: { build: '42' } });
    const viaGrpc = await app.auth.call('ListSessions', { refreshToken: again.refreshToken }, bearer(again.accessToken));
    expect(viaGrpc.sessions.map((x: any) => x.deviceId)).toEqual(['laptop', 'phone']);
    expect(viaGrpc.sessions[0].isCurrent).toBe(true);
  });

  it('revokes one device and only the caller\'s sessions', async () => {
    const email = uniqueEmail('rev');
    const other = uniqueEmail('other');
    await app.http('POST', '/v1/auth/signup', { body: credentials(email, PASSWORD, 'a') });
    await app.http('POST', '/v1/auth/signup', { body: credentials(other, PASSWORD, 'b') });
    const mine = await signInOn(email, 'c');
    expect((await app.http('DELETE', '/v1/auth/sessions/b', { token: mine.accessToken })).status).toBe(404);
    expect((await app.http('DELETE', '/v1/auth/sessions/a', { token: mine.accessToken })).status).toBe(204);
    const err = (await app.auth.call('RevokeSession', { deviceId: 'a' }, bearer(mine.accessToken)).catch((e: GrpcError) => e)) as GrpcError;
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    const [{ n }] = await app.db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1`, [other]);
    expect(n).toBe(1);
  });

  it('revokes all other sessions and answers the count, on both transports', async () => {
    const email = uniqueEmail('others');
    await app.http('POST', '/v1/auth/signup', { body: credentials(email, PASSWORD, 'd1') });
    await signInOn(email, 'd2');
    await signInOn(email, 'd3');
    const me = await signInOn(email, 'd4');
    const res = await app.http('DELETE', '/v1/auth/sessions', { token: me.accessToken });
    expect(res.body).toEqual({ revokedCount: 3 });
    const again = await app.auth.call('RevokeOtherSessions', {}, bearer(me.accessToken));
    expect(again.revokedCount).toBe(0);
    expect((await app.http('GET', '/v1/auth/credentials', { token: me.accessToken })).status).toBe(200);
  });

  it('changes the password: wrong current password refused, other devices signed out, caller kept', async () => {
    const email = uniqueEmail('chpw');
    await app.http('POST', '/v1/auth/signup', { body: credentials(email, PASSWORD, 'old-device') });
    const other = await signInOn(email, 'other-device');
    const me = await signInOn(email, 'my-device');
    const wrong = await app.http('POST', '/v1/auth/password/change', { token: me.accessToken, body: { currentPassword: 'not-it-123', newPassword: 'brand-new-pass-1' } });
    expect(wrong.status).toBe(403);
    const [attempts] = await app.db.sql('SELECT failed_attempts FROM login_attempts WHERE identifier = $1', [`email:${email}`]);
    expect(attempts.failed_attempts).toBe(1);
    const weak = await app.http('POST', '/v1/auth/password/change', { token: me.accessToken, body: { currentPassword: PASSWORD, newPassword: 'weak' } });
    expect(weak.status).toBe(400);
    const ok = await app.http('POST', '/v1/auth/password/change', { token: me.accessToken, body: { currentPassword: PASSWORD, newPassword: 'brand-new-pass-1' } });
    expect(ok.status).toBe(204);
    expect((await app.http('GET', '/v1/auth/credentials', { token: me.accessToken })).status).toBe(200);
    // The other device's access token stops working at once for state-changing calls...
    expect((await app.http('POST', '/v1/auth/signout', { token: other.accessToken })).status).toBe(401);
    // ...and its refresh token is dead.
    expect((await app.http('POST', '/v1/auth/token/refresh', { body: { refreshToken: other.refreshToken } })).status).toBe(401);
    const signIn = await app.http('POST', '/v1/auth/authenticate', { body: credentials(email, 'brand-new-pass-1') });
    expect(signIn.body.status).toBe('AUTH_STATUS_SUCCESS');
  });

  it('rejects a revoked session\'s access token for state-changing calls on both transports', async () => {
    const email = uniqueEmail('revoked');
    await app.http('POST', '/v1/auth/signup', { body: credentials(email, PASSWORD, 'x1') });
    const victim = await signInOn(email, 'x2');
    const me = await signInOn(email, 'x3');
    await app.http('DELETE', '/v1/auth/sessions/x2', { token: me.accessToken });
    const body = { currentPassword: PASSWORD, newPassword: 'another-pass-2' };
    expect((await app.http('POST', '/v1/auth/password/change', { token: victim.accessToken, body })).status).toBe(401);
    const err = (await app.auth.call('ChangePassword', body, bearer(victim.accessToken)).catch((e: GrpcError) => e)) as GrpcError;
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await app.http('GET', '/v1/auth/credentials', { token: victim.accessToken })).status).toBe(401);
  });

  it('answers ListSessions (IP addresses, devices) to no signed-out access token, on both transports', async () => {
    const email = uniqueEmail('listout');
    await app.http('POST', '/v1/auth/signup', { body: credentials(email, PASSWORD, 'l1') });
    const viaRest = await signInOn(email, 'l2');
    const viaGrpc = await signInOn(email, 'l3');
    expect((await app.http('POST', '/v1/auth/sessions', { token: viaRest.accessToken, body: {} })).status).toBe(200);
    expect((await app.auth.call('ListSessions', {}, bearer(viaGrpc.accessToken))).sessions).toHaveLength(3);
    expect((await app.http('POST', '/v1/auth/signout', { token: viaRest.accessToken })).status).toBe(204);
    await app.auth.call('SignOut', {}, bearer(viaGrpc.accessToken));
    for (const token of [viaRest.accessToken, viaGrpc.accessToken]) {
      const res = await app.http('POST', '/v1/auth/sessions', { token, body: {} });
      expect(res.status).toBe(401);
      expect(res.body.sessions).toBeUndefined();
      const err = (await app.auth.call('ListSessions', {}, bearer(token)).catch((e: GrpcError) => e)) as GrpcError;
      expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
      expect((await app.http('POST', '/v2/auth/sessions', { token, body: {} })).status).toBe(401);
      const v2 = (await app.authV2.call('ListSessions', {}, bearer(token)).catch((e: GrpcError) => e)) as GrpcError;
      expect(v2.code).toBe(grpc.status.UNAUTHENTICATED);
    }
  });

  it('signs in a bcrypt-hashed (migrated) user and re-hashes the password to argon2id', async () => {
    const email = uniqueEmail('bcrypt');
    await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    const legacy = bcrypt.hashSync('legacy-pass-77', 10).replace(/^\$2b\$/, '$2y$');
    await app.db.sql('UPDATE users SET password_hash = $2 WHERE email = $1', [email, legacy]);
    const res = await app.auth.call('Authenticate', forGrpc(credentials(email, 'legacy-pass-77')));
    expect(res.status).toBe('AUTH_STATUS_SUCCESS');
    const [row] = await app.db.sql<{ password_hash: string }>('SELECT password_hash FROM users WHERE email = $1', [email]);
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,(t=2,p=1|p=1,t=2)\$/);
    expect((await app.http('POST', '/v1/auth/authenticate', { body: credentials(email, 'legacy-pass-77') })).body.status).toBe('AUTH_STATUS_SUCCESS');
  });

  it('rejects tampered, foreign and malformed access tokens at the guard', async () => {
    const email = uniqueEmail('tamper');
    const res = await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    const [h, p, s] = res.body.tokens.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = [h, Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url'), s].join('.');
    const none = [Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url'), p, ''].join('.');
    for (const token of [forged, none, 'not-a-jwt', `${h}.${p}`]) {
      const r = await app.http('GET', '/v1/auth/credentials', { token });
      expect(r.status).toBe(401);
      const e = (await app.auth.call('ValidateCredentials', {}, bearer(token)).catch((x: GrpcError) => x)) as GrpcError;
      expect(e.code).toBe(grpc.status.UNAUTHENTICATED);
    }
  });

  it('never writes a password, token or hash to the logs', async () => {
    const email = uniqueEmail('logs');
    const secretPassword = 'Very-Secret-Pass-991';
    const signUp = await app.http('POST', '/v1/auth/signup', { body: credentials(email, secretPassword) });
    await app.http('POST', '/v1/auth/authenticate', { body: credentials(email, 'Wrong-Secret-Pass-992') });
    await app.auth.call('Authenticate', forGrpc(credentials(email, secretPassword)));
    await app.http('POST', '/v1/auth/token/refresh', { body: { refreshToken: signUp.body.tokens.refreshToken } });
    await app.http('GET', '/v1/auth/credentials', { token: signUp.body.tokens.accessToken });
    const [row] = await app.db.sql<{ password_hash: string }>('SELECT password_hash FROM users WHERE email = $1', [email]);
    const all = app.logs.join('\n');
    expect(app.logs.length).toBeGreaterThan(3);
    for (const secret of [secretPassword, 'Wrong-Secret-Pass-992', signUp.body.tokens.refreshToken, signUp.body.tokens.accessToken, row.password_hash, 'test-secret-that-is-at-least']) {
      expect(all).not.toContain(secret);
    }
  });
});
