import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { credentials, uniqueEmail } from '../support/factories';
import { bearer, grpc, grpcClient, type GrpcError } from '../support/grpc-client';

/**
 * "Nothing a client sends can produce a 500": every documented REST operation,
 * called by an administrator with malformed path values and bodies of the wrong
 * shape, must answer a 4xx in the error envelope (or succeed), never a 5xx.
 */
const BAD_PATH_VALUES = ['%00', 'not-a-uuid', '99999999999999999999999999', '-1', 'x'.repeat(300)];
const BAD_BODIES: unknown[] = [
  { identifier: 5, password: [], installationId: { value: 7 }, clientInfo: 'x', displayName: { a: 1 }, pageSize: 'many' },
  { userId: '\u0000', email: 'a\u0000@b.c', updateMask: 12, role: 'SUPERUSER', status: 99, contentSize: -5, contentType: 'text/html' },
  { title: 'x'.repeat(5000), startDate: 'yesterday', endDate: '2020-13-45', category: '', skill: null, countryCode: 'ZZZ', website: 'javascript:alert(1)' },
  [],
  'just a string',
];

/** A few KB of JSON nesting thousands of levels inside a field (recursive transformers would overflow the stack). */
function deepJson(field: string, depth = 5000): string {
  return `{"${field}":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
}

describe('malformed input never produces a 5xx', () => {
  let app: TestApp;
  let token: string;
  let doc: { paths: Record<string, Record<string, unknown>> };
  beforeAll(async () => {
    app = await bootTestApp();
    const email = uniqueEmail('sweeper');
    const res = await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    await app.db.sql(`UPDATE users SET role = 'admin' WHERE email = $1`, [email]);
    token = res.body.tokens.accessToken;
    doc = (await app.http('GET', '/api-docs/openapi.json')).body;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers every documented operation with a 4xx (or 2xx/3xx), never 5xx', async () => {
    const failures: string[] = [];
    let calls = 0;
    for (const [template, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        const paths = template.includes('{') ? BAD_PATH_VALUES.map((v) => template.replace(/\{[^}]+\}/g, v)) : [template];
        for (const path of paths) {
          for (const body of method === 'get' || method === 'delete' ? [undefined] : BAD_BODIES) {
            const res = await app.http(method.toUpperCase(), path, { token, body });
            calls++;
            const notImplemented = res.status === 501 && res.body?.error?.status === 'UNIMPLEMENTED';
            if (res.status >= 500 && !notImplemented) failures.push(`${method.toUpperCase()} ${path} ${JSON.stringify(body)?.slice(0, 60)} -> ${res.status} ${res.text.slice(0, 120)}`);
            if (res.status >= 400 && res.body !== undefined && !res.headers.get('content-type')?.includes('text/event-stream')) {
              expect(res.body.error, `${method} ${path}`).toMatchObject({ code: res.status, status: expect.any(String), message: expect.any(String) });
            }
          }
        }
      }
    }
    expect(calls).toBeGreaterThan(100);
    expect(failures).toEqual([]);
  }, 120_000);

  it('answers a body nested thousands of levels deep with 400 naming the field, on every operation with a body', async () => {
    const failures: string[] = [];
    let calls = 0;
    for (const [template, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops).filter((m) => ['post', 'put', 'patch'].includes(m))) {
        const path = template.replace(/\{[^}]+\}/g, '0195c5a4-8a5e-7c3a-9f1e-2b3c4d5e6f70');
        for (const field of ['identifier', 'clientInfo', 'refreshToken']) {
          const res = await app.http(method.toUpperCase(), path, { token, raw: deepJson(field), headers: { 'content-type': 'application/json' } });
          calls++;
          const notImplemented = res.status === 501 && res.body?.error?.status === 'UNIMPLEMENTED';
          if (res.status >= 500 && !notImplemented) failures.push(`${method.toUpperCase()} ${path} ${field} -> ${res.status} ${res.text.slice(0, 120)}`);
        }
      }
    }
    expect(calls).toBeGreaterThan(60);
    expect(failures).toEqual([]);
    const refused = await app.http('POST', '/v1/auth/authenticate', { raw: deepJson('identifier'), headers: { 'content-type': 'application/json' } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual(expect.arrayContaining([
      expect.objectContaining({ fieldViolations: expect.arrayContaining([expect.objectContaining({ field: expect.stringMatching(/^identifier(\.a)+$/) })]) }),
    ]));
  }, 120_000);

  it('answers every unary gRPC method, called with empty and with oversized fields, without INTERNAL or UNKNOWN', async () => {
    const failures: string[] = [];
    let calls = 0;
    for (const pkg of ['auth.v1', 'users.v1', 'roblox.v1', 'portfolio.v1'] as const) {
      const { call, client, close } = grpcClient(app.grpcAddress, pkg);
      const methods = Object.entries((client.constructor as unknown as { service: Record<string, { responseStream: boolean; originalName?: string }> }).service)
        .filter(([, d]) => !d.responseStream)
        .map(([name, d]) => d.originalName ?? name);
      for (const method of methods) {
        for (const request of [{}, { identifier: 'x'.repeat(5000), code: '\u0000', refreshToken: 'y'.repeat(5000), title: 'z'.repeat(5000) }]) {
          calls++;
          const err = (await call(method, request, bearer(token)).then(() => null, (e: GrpcError) => e)) as GrpcError | null;
          if (err && [grpc.status.INTERNAL, grpc.status.UNKNOWN].includes(err.code)) failures.push(`${pkg} ${method}: ${err.code} ${err.details}`);
        }
      }
      close();
    }
    expect(calls).toBeGreaterThan(60);
    expect(failures).toEqual([]);
  }, 120_000);
});
