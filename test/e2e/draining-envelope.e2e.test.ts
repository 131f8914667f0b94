import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadinessService } from '../../src/modules/health/readiness.service';
import { bootTestApp, type TestApp } from '../support/app';

/** A request that arrives once shutdown has begun answers 503 in the API's error envelope (API.md), not Fastify's. */
describe('requests arriving while the server drains', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answer 503 with the REST error envelope, Retry-After and Connection: close', async () => {
    expect((await app.http('GET', '/health/live')).status).toBe(200);
    app.running.app.get(ReadinessService).beginShutdown();
    const res = await app.http('POST', '/v1/auth/authenticate', { body: { identifier: 'a@example.com', password: 'whatever-1' } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.headers.get('connection')).toBe('close');
    expect(res.body).toMatchObject({ error: { code: 503, status: 'UNAVAILABLE', message: expect.any(String) } });
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });
});
