import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { bearer, grpc, type GrpcError } from '../support/grpc-client';
import { credentials, uniqueEmail } from '../support/factories';

describe('GetAccessTokenClaims: a read that trusts the access token alone', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  async function signUp(device: string) {
    const body = credentials(uniqueEmail('claims'), undefined, device);
    const res = await app.http('POST', '/v1/auth/signup', { body });
    expect(res.status).toBe(200);
    return { body, user: res.body.user, tokens: res.body.tokens };
  }

  it('answers the same claims over REST (v1, v2) and gRPC (v1, v2)', async () => {
    const { body, user, tokens } = await signUp('claims-phone');
    const rest = await app.http('GET', '/v1/auth/token/claims', { token: tokens.accessToken });
    expect(rest.status).toBe(200);
    expect(rest.body).toEqual({
      userId: user.userId,
      sessionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      role: 'USER_ROLE_USER',
      deviceId: 'claims-phone',
      installationId: body.installationId,
      issuedAt: expect.any(String),
      expiresAt: tokens.expiresAt,
    });
    expect(Date.parse(rest.body.issuedAt)).toBeLessThan(Date.parse(rest.body.expiresAt));
    expect((await app.http('GET', '/v2/auth/token/claims', { token: tokens.accessToken })).body).toEqual(rest.body);

    for (const client of [app.auth, app.authV2]) {
      const rpc = await client.call('GetAccessTokenClaims', {}, bearer(tokens.accessToken));
      expect(rpc).toMatchObject({
        userId: { value: user.userId },
        sessionId: { value: rest.body.sessionId },
        role: 'USER_ROLE_USER',
        deviceId: 'claims-phone',
        installationId: { value: body.installationId },
      });
      expect(Number(rpc.expiresAt.seconds) * 1000).toBe(Date.parse(tokens.expiresAt));
      expect(Number(rpc.issuedAt.seconds) * 1000).toBe(Date.parse(rest.body.issuedAt));
    }
  });

  it('refuses a missing, forged or expired token with UNAUTHENTICATED on both transports', async () => {
    const { tokens } = await signUp('claims-forged');
    const [h, p, s] = tokens.accessToken.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), role: 'admin' })).toString('base64url')}.${s}`;
    for (const token of [undefined, forged]) {
      const rest = await app.http('GET', '/v1/auth/token/claims', { token });
      expect(rest.status).toBe(401);
      expect(rest.body.error.status).toBe('UNAUTHENTICATED');
      const err = (await app.auth.call('GetAccessTokenClaims', {}, token ? bearer(token) : undefined).catch((e: GrpcError) => e)) as GrpcError;
      expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
    }

    // Past exp and the 30 s of tolerated clock skew.
    const pastExpiry = Date.parse(tokens.expiresAt) - app.clock.now().getTime() + 60_000;
    app.clock.advance(pastExpiry);
    try {
      expect((await app.http('GET', '/v1/auth/token/claims', { token: tokens.accessToken })).status).toBe(401);
      const err = (await app.auth.call('GetAccessTokenClaims', {}, bearer(tokens.accessToken)).catch((e: GrpcError) => e)) as GrpcError;
      expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
    } finally {
      app.clock.advance(-pastExpiry);
    }
  });

  it('reads no database: a signed-out session\'s token still answers until it expires, ValidateCredentials does not', async () => {
    const { tokens } = await signUp('claims-signed-out');
    expect((await app.http('POST', '/v1/auth/signout', { token: tokens.accessToken })).status).toBe(204);
    expect((await app.http('GET', '/v1/auth/credentials', { token: tokens.accessToken })).status).toBe(401);
    expect((await app.http('GET', '/v1/auth/token/claims', { token: tokens.accessToken })).status).toBe(200);
  });
});
