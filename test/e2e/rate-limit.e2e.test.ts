import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { grpc, type GrpcError } from '../support/grpc-client';
import { credentials, forGrpc, uniqueEmail } from '../support/factories';

describe('rate limits on public methods', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_MAX: '3', RATE_LIMIT_TTL_SECONDS: '60' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers 429 with Retry-After / RESOURCE_EXHAUSTED once the per-IP budget of a method is spent, across transports', async () => {
    const body = credentials(uniqueEmail('rl'), 'wrong-pass-123');
    const first = await app.http('POST', '/v1/auth/authenticate', { body });
    const second = await app.auth.call('Authenticate', forGrpc(body));
    const third = await app.http('POST', '/v2/auth/authenticate', { body });
    expect([first.status, second.status, third.status]).toEqual([200, 'AUTH_STATUS_FAILED', 200]);

    const limited = await app.http('POST', '/v1/auth/authenticate', { body });
    expect(limited.status).toBe(429);
    expect(limited.body.error.status).toBe('RESOURCE_EXHAUSTED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const err = (await app.auth.call('Authenticate', forGrpc(body)).catch((e: GrpcError) => e)) as GrpcError;
    expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it('keeps separate budgets per method and leaves authenticated methods alone', async () => {
    const signUp = await app.http('POST', '/v1/auth/signup', { body: credentials(uniqueEmail('rl2')) });
    expect(signUp.status).toBe(200);
    for (let i = 0; i < 5; i++) {
      expect((await app.http('GET', '/v1/auth/credentials', { token: signUp.body.tokens.accessToken })).status).toBe(200);
    }
  });
});

describe('per-address limit on RecoveryStart', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_MAX: '3', RATE_LIMIT_TTL_SECONDS: '60', TRUSTED_PROXIES: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('limits reset mails to one address even when every request comes from another IP and spells it differently', async () => {
    const email = uniqueEmail('reset-flood');
    const spellings = [email, email.toUpperCase(), ` ${email}`, email.replace(/^./, (c) => c.toUpperCase())];
    const statuses: number[] = [];
    for (const [i, identifier] of spellings.entries()) {
      const res = await app.http('POST', '/v1/auth/recovery/start', { body: { identifier }, headers: { 'x-forwarded-for': `203.0.113.${i + 1}` } });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([204, 204, 204, 429]);
    // Another address from the same IPs is not affected.
    const other = await app.http('POST', '/v1/auth/recovery/start', { body: { identifier: uniqueEmail('other') }, headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(other.status).toBe(204);
  });
});
