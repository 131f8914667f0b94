import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { signUpAs } from '../support/users';

const FORGED = 'Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmUtc2lnbmE';
const FLOOD = 40;

/**
 * A flood of refused requests (a scanner, a client with a stale token) must cost about what
 * an answer costs: no warn or error line per refusal, no stack, one info line per REST
 * request at most (the request log), nothing per gRPC call.
 */
describe('logging on the error paths', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp();
  }, 60_000);
  afterAll(async () => app?.close());

  it('401, 400 and 404 floods on both transports write no warn or error line', async () => {
    const before = app.logs.length;
    await Promise.all(Array.from({ length: FLOOD }, () => fetch(`${app.httpUrl}/v1/auth/credentials`, { headers: { authorization: FORGED } }).then((r) => r.text())));
    await Promise.all(Array.from({ length: FLOOD }, () => fetch(`${app.httpUrl}/v1/auth/credentials`).then((r) => r.text())));
    await fetch(`${app.httpUrl}/v1/auth/authenticate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"identifier": 5}' });
    await fetch(`${app.httpUrl}/no/such/route`);
    const grpcErrors = await Promise.all(
      Array.from({ length: FLOOD }, () => app.auth.call('ValidateCredentials', {}, { authorization: FORGED }).then(() => undefined, (e: { code?: number }) => e.code)),
    );
    expect(grpcErrors.every((c) => c === 16)).toBe(true); // UNAUTHENTICATED
    await new Promise((r) => setTimeout(r, 100));

    const lines = app.logs.slice(before).map((l) => JSON.parse(l) as { level: number; msg?: string; res?: { statusCode?: number }; err?: unknown });
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    const requestLines = lines.filter((l) => l.res?.statusCode !== undefined);
    expect(requestLines.length).toBeGreaterThanOrEqual(2 * FLOOD);
    expect(requestLines.length).toBeLessThanOrEqual(2 * FLOOD + 2);
    expect(requestLines.every((l) => l.level === 30)).toBe(true);
    expect(lines.some((l) => JSON.stringify(l).includes('stack'))).toBe(false);
  }, 60_000);

  it('writes one request line per REST request, with its id and without its query; none for probes', async () => {
    const before = app.logs.length;
    const res = await fetch(`${app.httpUrl}/no/such/route?code=query-secret-123`, { headers: { 'x-request-id': 'access-log-probe-1' } });
    expect(res.status).toBe(404);
    await fetch(`${app.httpUrl}/health/live`);
    await fetch(`${app.httpUrl}/metrics`);
    await new Promise((r) => setTimeout(r, 100));

    const lines = app.logs.slice(before).map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines.filter((l) => l.req)).toEqual([
      expect.objectContaining({
        level: 30, msg: 'request completed', requestId: 'access-log-probe-1',
        req: { id: 'access-log-probe-1', method: 'GET', url: '/no/such/route?[redacted]' },
        res: { statusCode: 404 }, responseTime: expect.any(Number),
      }),
    ]);
    expect(app.logs.slice(before).join('\n')).not.toContain('query-secret-123');
  });

  it('names the request in lines written while a REST handler runs', async () => {
    const account = await signUpAs(app);
    const rotated = await app.http('POST', '/v1/auth/token/refresh', { body: { refreshToken: account.refreshToken } });
    expect(rotated.status).toBe(200);
    app.clock.advance(11_000);
    const before = app.logs.length;
    const reuse = await app.http('POST', '/v1/auth/token/refresh', { body: { refreshToken: account.refreshToken }, headers: { 'x-request-id': 'reuse-probe-7' } });
    expect(reuse.status).toBe(401);
    await new Promise((r) => setTimeout(r, 100));

    const lines = app.logs.slice(before).map((l) => JSON.parse(l) as Record<string, any>);
    const warning = lines.find((l) => /reused after its grace window/.test(l.msg));
    expect(warning).toMatchObject({ level: 40, requestId: 'reuse-probe-7' });
    expect(lines.find((l) => l.req)).toMatchObject({ requestId: 'reuse-probe-7', res: { statusCode: 401 } });
  });
});
