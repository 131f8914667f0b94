import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { createClient as generateClient } from '@hey-api/openapi-ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { clientInfo, PASSWORD, uniqueEmail } from '../support/factories';
import { checkAgainstSchema, documentedResponse, requestSchema } from '../support/openapi-check';

/**
 * A REST consumer's path: a TypeScript client generated at test time from the document
 * the service serves (@hey-api/openapi-ts, fetch client), compiled with tsc --strict, and
 * driven against the running service. Every request and every answer the generated client
 * exchanges is checked against the document: the status must be documented and the body
 * must match its schema.
 */
const GENERATED = path.resolve(__dirname, '../.generated', `openapi-client-${process.pid}-${randomUUID().slice(0, 8)}`);
const BAD_REQUEST = 'type.googleapis.com/google.rpc.BadRequest';
const ERROR_INFO = 'type.googleapis.com/google.rpc.ErrorInfo';

/** Compiled with `tsc --strict` below: a call's error is typed as the envelope, its details narrowed by `@type`. */
const TYPED_USAGE = `
import { createClient } from './client/index.js';
import { authServiceSignUp } from './sdk.gen.js';
import type { ErrorResponse, SignUpRequestDto } from './types.gen.js';

const BAD_REQUEST = '${BAD_REQUEST}';

export async function signUpFieldViolations(baseUrl: string, body: SignUpRequestDto): Promise<{ status: number; envelope?: ErrorResponse; fields: string[] }> {
  const client = createClient({ baseUrl });
  const { error, response } = await authServiceSignUp({ client, body });
  if (error === undefined) return { status: response.status, fields: [] };
  const envelope: ErrorResponse = error;
  const fields = envelope.error.details.flatMap((d) => (d['@type'] === BAD_REQUEST ? d.fieldViolations.map((v) => v.field) : []));
  return { status: response.status, envelope, fields };
}
`;

describe('a TypeScript client generated from the served OpenAPI document', () => {
  let app: TestApp;
  let doc: Record<string, any>;
  let sdk: Record<string, (options?: any) => Promise<any>>;
  let typed: { signUpFieldViolations(baseUrl: string, body: unknown): Promise<{ status: number; envelope?: any; fields: string[] }> };
  let client: any;
  const mismatches: string[] = [];

  beforeAll(async () => {
    app = await bootTestApp();
    doc = (await app.http('GET', '/api-docs/openapi.json')).body;
    mkdirSync(GENERATED, { recursive: true });
    await generateClient({
      input: `${app.httpUrl}/api-docs/openapi.json`,
      output: { path: GENERATED, postProcess: [] },
      plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
      logs: { level: 'silent', file: false },
    });
    writeFileSync(path.join(GENERATED, 'typed-usage.ts'), TYPED_USAGE);
    sdk = await import(path.join(GENERATED, 'sdk.gen.ts'));
    typed = await import(path.join(GENERATED, 'typed-usage.ts'));
    client = (await import(path.join(GENERATED, 'client.gen.ts'))).client;
    client.setConfig({ baseUrl: app.httpUrl });
    client.interceptors.request.use((request: Request, options: { method: string; url: string; body?: unknown }) => {
      if (options.body !== undefined) {
        const schema = requestSchema(doc, options.method, options.url);
        mismatches.push(...checkAgainstSchema(doc, schema, options.body).map((m) => `request ${options.method} ${options.url}: ${m}`));
      }
      return request;
    });
    client.interceptors.response.use(async (response: Response, _request: Request, options: { method: string; url: string }) => {
      const where = `${options.method} ${options.url} -> ${response.status}`;
      const documented = documentedResponse(doc, options.method, options.url, response.status);
      if (!documented) mismatches.push(`${where}: status not documented`);
      const schema = documented?.content?.['application/json']?.schema;
      if (schema && response.headers.get('content-type')?.startsWith('application/json')) {
        mismatches.push(...checkAgainstSchema(doc, schema, await response.clone().json()).map((m) => `${where}: ${m}`));
      }
      if (response.status === 429 && !response.headers.get('retry-after')) mismatches.push(`${where}: no Retry-After`);
      return response;
    });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(GENERATED, { recursive: true, force: true });
  });
  beforeEach(() => {
    mismatches.length = 0;
  });

  it('compiles with tsc --strict, errors typed as the one envelope', async () => {
    const require = createRequire(__filename);
    const tsc = path.join(path.dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
    const typeRoots = path.resolve(__dirname, '../../node_modules/@types');
    const args = [
      tsc, '--ignoreConfig', '--noEmit', '--strict', '--skipLibCheck', '--target', 'es2023', '--module', 'nodenext', '--moduleResolution', 'nodenext',
      '--lib', 'es2023,dom,dom.iterable', '--types', 'node', '--typeRoots', typeRoots, path.join(GENERATED, 'typed-usage.ts'),
    ];
    const result = await promisify(execFile)(process.execPath, args, { cwd: GENERATED }).then(
      () => ({ code: 0, output: '' }),
      (e: { code?: number; stdout?: string }) => ({ code: e.code ?? 1, output: e.stdout ?? '' }),
    );
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 60_000);

  it('signs up, signs in, refreshes, lists and revokes sessions; errors come typed', async () => {
    const email = uniqueEmail('oas-client');
    const signUp = await sdk.authServiceSignUp({ body: { identifier: email, password: PASSWORD, installationId: randomUUID(), clientInfo: clientInfo('phone') } });
    expect(signUp.response.status).toBe(200);
    expect(signUp.data.status).toBe('AUTH_STATUS_SUCCESS');
    const phone = signUp.data.tokens;

    // v2 twin of Authenticate: a distinct operation of the same RPC.
    const signIn = await sdk.authServiceAuthenticateV2({ body: { identifier: email, password: PASSWORD, installationId: randomUUID(), clientInfo: clientInfo('laptop') } });
    expect(signIn.data.status).toBe('AUTH_STATUS_SUCCESS');
    const laptop = signIn.data.tokens;

    const refreshed = await sdk.authServiceRefreshTokens({ body: { refreshToken: phone.refreshToken } });
    expect(refreshed.response.status).toBe(200);
    expect(refreshed.data.refreshToken).not.toBe(phone.refreshToken);

    // A public operation whose credential is in the body documents (and answers) 401.
    const unknown = await sdk.authServiceRefreshTokens({ body: { refreshToken: 'not-a-refresh-token' } });
    expect(unknown.response.status).toBe(401);
    expect(unknown.data).toBeUndefined();
    expect(unknown.error.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
    expect(unknown.error.error.details[0]).toMatchObject({ '@type': ERROR_INFO, reason: 'AUTH_REFRESH_TOKEN_INVALID' });

    const auth = refreshed.data.accessToken;
    const listed = await sdk.authServiceListSessions({ auth, body: { refreshToken: refreshed.data.refreshToken } });
    expect(listed.response.status).toBe(200);
    expect(listed.data.sessions.map((s: { deviceId: string }) => s.deviceId).sort()).toEqual(['laptop', 'phone']);
    expect(listed.data.sessions.find((s: { deviceId: string }) => s.deviceId === 'phone').isCurrent).toBe(true);

    const revoked = await sdk.authServiceRevokeSession({ auth, path: { deviceId: 'laptop' } });
    expect(revoked.response.status).toBe(204);
    const laptopGone = await sdk.authServiceValidateCredentials({ auth: laptop.accessToken });
    expect(laptopGone.response.status).toBe(401);
    expect(laptopGone.error.error.details[0].reason).toBe('AUTH_SESSION_REVOKED');

    const again = await sdk.authServiceRevokeSession({ auth, path: { deviceId: 'laptop' } });
    expect(again.response.status).toBe(404);
    expect(again.error.error).toMatchObject({ code: 404, status: 'NOT_FOUND' });

    await sdk.authServiceAuthenticate({ body: { identifier: email, password: PASSWORD, installationId: randomUUID(), clientInfo: clientInfo('tablet') } });
    const others = await sdk.authServiceRevokeOtherSessions({ auth });
    expect(others.data).toEqual({ revokedCount: 1 });
    const left = await sdk.authServiceListSessions({ auth, body: {} });
    expect(left.data.sessions.map((s: { deviceId: string }) => s.deviceId)).toEqual(['phone']);

    expect(mismatches).toEqual([]);
  });

  it('a refused request is the typed envelope with its field violation', async () => {
    const body = { identifier: uniqueEmail('oas-client'), password: PASSWORD, installationId: randomUUID(), clientInfo: { deviceId: '' } };
    const result = await typed.signUpFieldViolations(app.httpUrl, body);
    expect(result.status).toBe(400);
    expect(result.envelope.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect(result.envelope.error.details).toContainEqual(expect.objectContaining({ '@type': ERROR_INFO, reason: 'VALIDATION_FAILED' }));
    expect(result.fields).toEqual(['clientInfo.deviceId']);

    // The same answer through the shared client, checked against the document.
    const viaSdk = await sdk.authServiceSignUp({ body });
    expect(viaSdk.response.status).toBe(400);
    expect(viaSdk.error.error.details.find((d: { '@type': string }) => d['@type'] === BAD_REQUEST).fieldViolations).toEqual([
      { field: 'clientInfo.deviceId', description: expect.any(String) },
    ]);
    expect(mismatches).toEqual([]);
  });

  it('a guarded operation without a token answers the documented 401', async () => {
    const result = await sdk.authServiceListSessions({ body: {} });
    expect(result.response.status).toBe(401);
    expect(result.error.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
    expect(mismatches).toEqual([]);
  });

  it('the document checks can fail: an answer whose status the document lacks is reported', async () => {
    const op = doc.paths['/v1/auth/sessions'].post;
    const documented401 = op.responses['401'];
    delete op.responses['401'];
    try {
      await sdk.authServiceListSessions({ body: { refreshToken: 42 } });
      await sdk.authServiceListSessions({ body: {} });
    } finally {
      op.responses['401'] = documented401;
    }
    expect(mismatches).toContain('request POST /v1/auth/sessions: $.refreshToken: expected string, got 42');
    expect(mismatches).toContain('POST /v1/auth/sessions -> 401: status not documented');
  });

  it('streams ListUsers over SSE as the document describes: each event an item of the schema', async () => {
    const email = uniqueEmail('oas-stream');
    const signUp = await sdk.authServiceSignUp({ body: { identifier: email, password: PASSWORD, installationId: randomUUID(), clientInfo: clientInfo() } });
    const { stream } = await sdk.userServiceListUsers({ auth: signUp.data.tokens.accessToken, sseMaxRetryAttempts: 1 });
    const items: unknown[] = [];
    for await (const item of stream) items.push(item);
    // Without users:read the list is the caller alone.
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ email });
    const schema = doc.paths['/v1/users'].get.responses['200'].content['text/event-stream'].schema;
    expect(checkAgainstSchema(doc, schema, items[0])).toEqual([]);
    expect(mismatches).toEqual([]);
  });
});
