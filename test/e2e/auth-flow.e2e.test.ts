import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { bearer, grpc, type GrpcError } from '../support/grpc-client';
import { credentials, forGrpc, PASSWORD, uniqueEmail } from '../support/factories';

describe('sign-up, sign-in, refresh, sign-out', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('runs the whole flow over REST', async () => {
    const email = uniqueEmail('rest');
    const body = credentials(email);
    const signUp = await app.http('POST', '/v1/auth/signup', { body: { ...body, displayName: 'Ada', locale: 'en', timezone: 'Europe/Berlin' } });
    expect(signUp.status).toBe(200);
    expect(signUp.body.status).toBe('AUTH_STATUS_SUCCESS');
    expect(signUp.body.user).toMatchObject({ email, displayName: 'Ada', role: 'USER_ROLE_USER', status: 'USER_STATUS_ACTIVE', hasPassword: true });
    expect(signUp.body.tokens.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(signUp.body.tokens.expiresAt)).toBeGreaterThan(app.clock.now().getTime());

    const signIn = await app.http('POST', '/v1/auth/authenticate', { body: { ...body, identifier: `  ${email.toUpperCase()} ` } });
    expect(signIn.body.status).toBe('AUTH_STATUS_SUCCESS');
    const { accessToken, refreshToken } = signIn.body.tokens;

    const me = await app.http('GET', '/v1/auth/credentials', { token: accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ valid: true, user: { email } });

    const refreshed = await app.http('POST', '/v1/auth/token/refresh', { body: { refreshToken } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refreshToken).not.toBe(refreshToken);

    const out = await app.http('POST', '/v1/auth/signout', { token: refreshed.body.accessToken });
    expect(out.status).toBe(204);
    const after = await app.http('GET', '/v1/auth/credentials', { token: refreshed.body.accessToken });
    expect(after.status).toBe(401);
    expect(after.body.error.status).toBe('UNAUTHENTICATED');
  });

  it('runs the whole flow over gRPC, v1 and v2', async () => {
    const email = uniqueEmail('grpc');
    const body = forGrpc(credentials(email));
    const signUp = await app.auth.call('SignUp', body);
    expect(signUp.status).toBe('AUTH_STATUS_SUCCESS');
    expect(signUp.user.userId.value).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(signUp.tokens.expiresAt.seconds)).toBeGreaterThan(app.clock.now().getTime() / 1000);

    const signIn = await app.authV2.call('Authenticate', body);
    expect(signIn.status).toBe('AUTH_STATUS_SUCCESS');
    const valid = await app.auth.call('ValidateCredentials', {}, bearer(signIn.tokens.accessToken));
    expect(valid).toMatchObject({ valid: true, user: { email, hasPassword: true } });

    const pair = await app.auth.call('RefreshTokens', { refreshToken: signIn.tokens.refreshToken });
    expect(pair.accessToken).toBeTruthy();
    await app.auth.call('SignOut', {}, bearer(pair.accessToken));
    const err = (await app.auth.call('ValidateCredentials', {}, bearer(pair.accessToken)).catch((e: GrpcError) => e)) as GrpcError;
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
    const refreshAfter = (await app.auth.call('RefreshTokens', { refreshToken: pair.refreshToken }).catch((e: GrpcError) => e)) as GrpcError;
    expect(refreshAfter.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('answers concurrent ValidateCredentials calls (batched into shared lookups) each with its own user or 401', async () => {
    const accounts = await Promise.all(Array.from({ length: 12 }, async (_, i) => {
      const email = uniqueEmail(`batch-${i}`);
      const res = await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
      return { email, token: res.body.tokens.accessToken as string, signedOut: i % 4 === 0 };
    }));
    for (const a of accounts.filter((x) => x.signedOut)) {
      expect((await app.http('POST', '/v1/auth/signout', { token: a.token })).status).toBe(204);
    }
    const calls = accounts.flatMap((a) => [0, 1, 2].map(async (round) => {
      if (round === 1) {
        const r = await app.auth.call('ValidateCredentials', {}, bearer(a.token)).catch((e: GrpcError) => e);
        return { a, ok: !('code' in r), email: 'code' in r ? undefined : r.user.email, code: 'code' in r ? r.code : undefined };
      }
      const r = await app.http('GET', '/v1/auth/credentials', { token: a.token });
      return { a, ok: r.status === 200, email: r.body.user?.email, code: r.status };
    }));
    const results = await Promise.all(calls);
    for (const r of results) {
      if (r.a.signedOut) {
        expect(r.ok).toBe(false);
        expect([401, grpc.status.UNAUTHENTICATED]).toContain(r.code);
      } else {
        expect(r.ok).toBe(true);
        expect(r.email).toBe(r.a.email);
      }
    }
  });

  it('puts the claims the existing clients read into the access token', async () => {
    const email = uniqueEmail('claims');
    const body = credentials(email, PASSWORD, 'claims-device');
    const res = await app.http('POST', '/v1/auth/signup', { body: { ...body, displayName: 'Grace' } });
    const [, payload] = res.body.tokens.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    expect(claims).toMatchObject({
      sub: res.body.user.userId, iss: 'auth-service', aud: 'auth-service', role: 'user', email, name: 'Grace',
      device_id: 'claims-device', installation_id: body.installationId,
    });
    for (const c of ['jti', 'iat', 'nbf', 'exp', 'sid']) expect(claims[c]).toBeDefined();
  });

  it('answers ALREADY_EXISTS for a duplicate identifier, on both transports', async () => {
    const email = uniqueEmail('dup');
    expect((await app.http('POST', '/v1/auth/signup', { body: credentials(email) })).status).toBe(200);
    const rest = await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    expect(rest.status).toBe(409);
    expect(rest.body.error.status).toBe('ALREADY_EXISTS');
    const err = (await app.auth.call('SignUp', forGrpc(credentials(email))).catch((e: GrpcError) => e)) as GrpcError;
    expect(err.code).toBe(grpc.status.ALREADY_EXISTS);
  });

  it('lets exactly one of 10 racing sign-ups for one identifier win', async () => {
    const email = uniqueEmail('race');
    const results = await Promise.all(Array.from({ length: 10 }, () => app.http('POST', '/v1/auth/signup', { body: credentials(email) })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(9);
    const rows = await app.db.sql('SELECT id FROM users WHERE email = $1', [email]);
    expect(rows).toHaveLength(1);
    const profiles = await app.db.sql('SELECT user_id FROM user_profiles WHERE user_id = $1', [rows[0].id]);
    expect(profiles).toHaveLength(1);
  });

  it('applies the password policy on sign-up, naming the field', async () => {
    const email = uniqueEmail('policy');
    for (const password of ['short1', 'iloveyou', '1234567890', email]) {
      const res = await app.http('POST', '/v1/auth/signup', { body: credentials(email, password) });
      expect(res.status).toBe(400);
      const violations = res.body.error.details.find((d: any) => d['@type'].endsWith('BadRequest')).fieldViolations;
      expect(violations.map((v: any) => v.field)).toContain('password');
      expect(JSON.stringify(res.body)).not.toContain(password === email ? '"password":' : password);
    }
    expect(await app.db.sql('SELECT 1 FROM users WHERE email = $1', [email])).toHaveLength(0);
  });

  it('refuses NUL characters as field errors before anything is written', async () => {
    const email = uniqueEmail('nul');
    const body = credentials(email);
    const res = await app.http('POST', '/v1/auth/signup', { body: { ...body, clientInfo: { deviceId: 'a\u0000b', metadata: { k: 'v\u0000' } }, displayName: 'x\u0000' } });
    expect(res.status).toBe(400);
    const fields = res.body.error.details.find((d: any) => d['@type'].endsWith('BadRequest')).fieldViolations.map((v: any) => v.field);
    expect(fields).toEqual(expect.arrayContaining(['clientInfo.deviceId', 'clientInfo.metadata', 'displayName']));
    expect(await app.db.sql('SELECT 1 FROM users WHERE email = $1', [email])).toHaveLength(0);
    const revoke = await app.http('DELETE', '/v1/auth/sessions/%00', { token: 'x.y.z' });
    expect(revoke.status).toBe(401);
  });

  it('normalises identifiers and accepts E.164 phones', async () => {
    const phone = `+4915${Math.floor(100000000 + Math.random() * 899999999)}`;
    const res = await app.http('POST', '/v1/auth/signup', { body: credentials(phone.replace(/^(\+49)(\d{3})/, '$1 $2-')) });
    expect(res.body.user.phone).toBe(phone);
    const bad = await app.http('POST', '/v1/auth/signup', { body: { ...credentials('+12'), identifierType: 'IDENTIFIER_TYPE_PHONE' } });
    expect(bad.status).toBe(400);
  });

  it('answers every sign-in failure with the same status and message', async () => {
    const email = uniqueEmail('fail');
    await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    const wrong = await app.http('POST', '/v1/auth/authenticate', { body: credentials(email, 'wrong-password-1') });
    const unknown = await app.http('POST', '/v1/auth/authenticate', { body: credentials(uniqueEmail('nobody')) });
    expect(wrong.body).toEqual({ status: 'AUTH_STATUS_FAILED', message: 'Invalid credentials' });
    expect(unknown.body).toEqual(wrong.body);
    const grpcUnknown = await app.auth.call('Authenticate', forGrpc(credentials(uniqueEmail('nobody'))));
    expect(grpcUnknown.status).toBe('AUTH_STATUS_FAILED');
    expect(grpcUnknown.message).toBe('Invalid credentials');
    expect(grpcUnknown.tokens).toBeNull();
  });

  it('reports SUSPENDED only after the correct password, FAILED otherwise', async () => {
    const email = uniqueEmail('suspended');
    await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    await app.db.sql(`UPDATE users SET status = 'suspended' WHERE email = $1`, [email]);
    expect((await app.http('POST', '/v1/auth/authenticate', { body: credentials(email, 'wrong-password-1') })).body.status).toBe('AUTH_STATUS_FAILED');
    const right = await app.http('POST', '/v1/auth/authenticate', { body: credentials(email) });
    expect(right.body.status).toBe('AUTH_STATUS_SUSPENDED');
    expect(right.body.tokens).toBeUndefined();
  });
});

describe('sign-up with SIGNUP_REQUIRE_VERIFICATION', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp({ SIGNUP_REQUIRE_VERIFICATION: 'true' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers PENDING without tokens whether or not the identifier was taken, and sign-in waits', async () => {
    const email = uniqueEmail('pending');
    const first = await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    const again = await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    expect(first.status).toBe(200);
    expect(first.body).toEqual(again.body);
    expect(first.body.status).toBe('AUTH_STATUS_PENDING');
    expect(first.body.tokens).toBeUndefined();
    const [row] = await app.db.sql('SELECT status FROM users WHERE email = $1', [email]);
    expect(row.status).toBe('pending');
    expect((await app.http('POST', '/v1/auth/authenticate', { body: credentials(email) })).body.status).toBe('AUTH_STATUS_FAILED');
  });

  it('gives a pending account the password of its latest sign-up, so an earlier squatter loses it', async () => {
    const email = uniqueEmail('squat');
    await app.http('POST', '/v1/auth/signup', { body: credentials(email, 'squatter-pass-1') });
    await app.http('POST', '/v1/auth/signup', { body: credentials(email, 'owner-pass-2') });
    // As ConfirmVerification would: the owner verifies the address from the mail.
    await app.db.sql(`UPDATE users SET status = 'active', email_verified = true WHERE email = $1`, [email]);
    expect((await app.http('POST', '/v1/auth/authenticate', { body: credentials(email, 'squatter-pass-1') })).body.status).toBe('AUTH_STATUS_FAILED');
    expect((await app.http('POST', '/v1/auth/authenticate', { body: credentials(email, 'owner-pass-2') })).body.status).toBe('AUTH_STATUS_SUCCESS');
  });
});
