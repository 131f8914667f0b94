import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';

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
});
