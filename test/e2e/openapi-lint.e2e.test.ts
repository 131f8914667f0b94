import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RPC_ERRORS } from '../../src/common/openapi/operation-errors';
import { readProtoRestRoutes } from '../../src/common/openapi/proto-rest-routes';
import { buildOpenApiDocumentOffline } from '../../src/openapi';
import { PROTO_DIR } from '../../src/paths';
import { bootTestApp, type TestApp } from '../support/app';
import { credentials, uniqueEmail } from '../support/factories';
import { lintOpenApi } from '../support/openapi-check';

type Json = Record<string, any>;

/** API.md: the methods callable without an access token. */
const PUBLIC_RPCS = [
  'Authenticate', 'SignUp', 'RefreshTokens', 'RecoveryStart', 'RecoveryConfirm', 'ConfirmVerification', 'VerifyMfa', 'GetOAuthUrl',
  'ExchangeOAuthCode', 'StartVerification', 'SignUpWithRoblox', 'SignInWithRoblox', 'GetProfile', 'ListExperiences', 'ListSkills',
];
/** Public methods whose credential is in the request (a refresh token, an MFA challenge): they do answer 401. */
// GetOAuthUrl: public, but a token sent along (to start a link flow) is checked.
const PUBLIC_WITH_401 = ['RefreshTokens', 'VerifyMfa', 'GetOAuthUrl'];

const ENVELOPE = '#/components/schemas/ErrorResponse';

function operations(doc: Json): { method: string; path: string; op: Json }[] {
  return Object.entries<Json>(doc.paths).flatMap(([path, item]) =>
    Object.entries<Json>(item).filter(([method]) => method !== 'parameters').map(([method, op]) => ({ method, path, op })),
  );
}

/** `AuthService_SignUp_v2` -> `SignUp`; `PortfolioService_GetProfile_ByUserId` -> `GetProfile`. */
function rpcOf(operationId: string): string | undefined {
  return /^[A-Za-z]+Service_([A-Za-z]+)/.exec(operationId)?.[1];
}

describe('the served OpenAPI document holds up for generators and validators', () => {
  let app: TestApp;
  let doc: Json;
  beforeAll(async () => {
    app = await bootTestApp();
    doc = (await app.http('GET', '/api-docs/openapi.json')).body;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('passes Redocly\'s recommended rules (redocly.yaml) without an error', async () => {
    const report = await lintOpenApi(doc);
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(report.errors).toBe(0);
    // The known warnings only (see redocly.yaml): a new kind of warning shows up here.
    expect([...new Set(report.problems.map((p) => p.ruleId))]).toEqual(report.warnings ? ['operation-2xx-response'] : []);
  }, 60_000);

  it('the lint catches what broke generators: a dangling $ref, a duplicate operationId, an undeclared path parameter', async () => {
    const broken = structuredClone(doc);
    // The issue's $ref to `#/components/schemas/` (an empty name) makes the schemas map itself a schema: `struct` errors.
    broken.components.schemas.SignUpRequestDto.properties.clientInfo = { $ref: '#/components/schemas/' };
    broken.components.schemas.AuthenticateRequestDto.properties.clientInfo = { $ref: '#/components/schemas/Missing' };
    broken.paths['/v2/auth/signup'].post.operationId = broken.paths['/v1/auth/signup'].post.operationId;
    broken.paths['/v1/auth/sessions/{deviceId}'].delete.parameters = [];
    const rules = new Set((await lintOpenApi(broken)).problems.filter((p) => p.severity === 'error').map((p) => p.ruleId));
    expect(rules).toEqual(new Set(['struct', 'no-unresolved-refs', 'operation-operationId-unique', 'path-parameters-defined']));
  }, 60_000);

  it('is the document CI lints (built offline from the module graph, without a database)', async () => {
    expect(await buildOpenApiDocumentOffline()).toEqual(doc);
  });

  it('resolves nested request messages (clientInfo) to their schema', () => {
    for (const name of ['SignUpRequestDto', 'AuthenticateRequestDto', 'VerifyMfaRequestDto', 'ConfirmVerificationRequestDto', 'SignUpWithRobloxRequestDto', 'SignInWithRobloxRequestDto']) {
      expect(doc.components.schemas[name].properties.clientInfo, name).toEqual({ $ref: '#/components/schemas/ClientInfoDto' });
    }
    expect(doc.components.schemas.ClientInfoDto.required).toEqual(['deviceId']);
  });

  it('names each operation for its RPC, the v2 twins with _v2, every id unique', () => {
    const ids = operations(doc).map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const routes = readProtoRestRoutes(PROTO_DIR);
    expect(routes.length).toBeGreaterThan(70);
    for (const route of routes) expect(doc.paths[route.path]?.[route.method]?.operationId, `${route.method} ${route.path}`).toBe(route.operationId);
    expect(doc.paths['/v1/auth/authenticate'].post.operationId).toBe('AuthService_Authenticate');
    expect(doc.paths['/v2/auth/authenticate'].post.operationId).toBe('AuthService_Authenticate_v2');
    expect(doc.paths['/v1/portfolio/roblox/{robloxUserId}/profile'].get.operationId).toBe('PortfolioService_GetProfile_ByRobloxUserId');
    expect(doc.paths['/v1/auth/oauth/providers/{provider}'].delete.parameters).toContainEqual(expect.objectContaining({ name: 'provider', in: 'path', required: true }));
  });

  it('says security: [] on exactly the public methods of API.md and the bearer scheme on the rest', () => {
    for (const { method, path, op } of operations(doc)) {
      const rpc = rpcOf(op.operationId);
      const isPublic = rpc ? PUBLIC_RPCS.includes(rpc) : path.endsWith('/verify-email');
      const optional = rpc === 'GetOAuthUrl';
      expect(op.security, `${method} ${path}`).toEqual(isPublic ? (optional ? [{}, { bearer: [] }] : []) : [{ bearer: [] }]);
      const answers401 = op.responses['401'] !== undefined;
      expect(answers401, `${method} ${path} 401`).toBe(!isPublic || PUBLIC_WITH_401.includes(rpc ?? ''));
    }
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('documents every error with the one envelope: 400 with field violations, 429 with Retry-After where rate-limited, 500, 503', () => {
    for (const { method, path, op } of operations(doc)) {
      const errors = Object.entries<Json>(op.responses).filter(([status]) => Number(status) >= 400);
      expect(errors.map(([status]) => status), `${method} ${path}`).toEqual(expect.arrayContaining(['400', '500', '503']));
      for (const [status, response] of errors) {
        expect(response.content, `${method} ${path} ${status}`).toEqual({ 'application/json': { schema: { $ref: ENVELOPE } } });
        if (status === '429') expect(response.headers['Retry-After']).toEqual({ $ref: '#/components/headers/RetryAfter' });
      }
    }
    expect(doc.components.headers.RetryAfter.required).toBe(true);
    const status = doc.components.schemas.ErrorResponse.properties.error.$ref.split('/').pop();
    expect(doc.components.schemas[status].required).toEqual(['code', 'status', 'message', 'details']);
    expect(Object.keys(doc.components.schemas.ErrorDetail.discriminator.mapping)).toEqual([
      'type.googleapis.com/google.rpc.ErrorInfo', 'type.googleapis.com/google.rpc.BadRequest', 'type.googleapis.com/google.rpc.RetryInfo',
    ]);

    const reasons = (method: string, path: string, code: number) => doc.paths[path][method].responses[String(code)]?.description ?? '';
    // Rate-limited (@RateLimited) vs not.
    expect(reasons('post', '/v1/auth/authenticate', 429)).toContain('RATE_LIMITED');
    expect(reasons('post', '/v1/roblox/verifications', 429)).toContain('RATE_LIMITED');
    expect(doc.paths['/v1/auth/sessions'].post.responses['429']).toBeUndefined();
    // Specific answers of specific RPCs.
    expect(reasons('delete', '/v1/auth/sessions/{deviceId}', 404)).toContain('SESSION_NOT_FOUND');
    expect(reasons('post', '/v1/auth/signup', 409)).toContain('USER_IDENTIFIER_TAKEN');
    expect(reasons('post', '/v1/auth/password/change', 429)).toContain('AUTH_LOCKED');
    expect(reasons('post', '/v1/users', 403)).toContain('PERMISSION_DENIED');
    expect(reasons('post', '/v1/auth/oauth/exchange', 409)).toContain('OAUTH_EMAIL_IN_USE');
    expect(reasons('delete', '/v1/auth/oauth/providers/{provider}', 400)).toContain('OAUTH_UNLINK_LAST_SIGN_IN');
    expect(reasons('delete', '/v1/roblox/link', 400)).toContain('FAILED_PRECONDITION');
    // A token-only method reads no session: no 403 for an inactive account.
    expect(doc.paths['/v1/auth/token/claims'].get.responses['403']).toBeUndefined();
  });

  it('every RPC with a REST route has its errors considered (RPC_ERRORS), and Empty ones answer 204', () => {
    for (const route of readProtoRestRoutes(PROTO_DIR)) {
      expect(RPC_ERRORS[`${route.service}.${route.rpc}`], `${route.service}.${route.rpc}`).toBeDefined();
      const success = Object.keys(doc.paths[route.path][route.method].responses).filter((s) => s.startsWith('2'));
      if (route.returns === 'google.protobuf.Empty' && success.length) expect(success, `${route.method} ${route.path}`).toEqual(['204']);
    }
  });

  it('lists every status the server answers to malformed input, for an administrator and for an anonymous caller', async () => {
    const email = uniqueEmail('oas-sweep');
    const admin = (await app.http('POST', '/v1/auth/signup', { body: credentials(email) })).body.tokens.accessToken;
    await app.db.sql(`UPDATE users SET role = 'admin' WHERE email = $1`, [email]);
    const undocumented: string[] = [];
    let calls = 0;
    for (const token of [admin, undefined]) {
      for (const { method, path, op } of operations(doc)) {
        const urls = ['not-a-uuid', 'x'.repeat(300), '00000000-0000-4000-8000-000000000000'].map((v) => path.replace(/\{[^}]+\}/g, v));
        const bodies = method === 'get' || method === 'delete' ? [undefined] : [{ identifier: 5, clientInfo: 'x', title: 'y'.repeat(5000) }, [], {}];
        for (const url of [...new Set(urls)]) {
          for (const body of bodies) {
            const res = await app.http(method.toUpperCase(), url, { token, body });
            calls++;
            if (!op.responses[String(res.status)]) undocumented.push(`${method} ${url.slice(0, 60)} ${token ? 'admin' : 'anonymous'} -> ${res.status} ${res.text.slice(0, 100)}`);
          }
        }
      }
    }
    expect(calls).toBeGreaterThan(200);
    expect(undocumented).toEqual([]);
  }, 120_000);

  it('describes the users list streams as they behave: SSE or NDJSON items, an error item, 204 on an exhausted resume', () => {
    for (const path of ['/v1/users', '/v2/users/info']) {
      const responses = doc.paths[path].get.responses;
      expect(Object.keys(responses['200'].content)).toEqual(['text/event-stream', 'application/x-ndjson']);
      for (const media of Object.values<Json>(responses['200'].content)) {
        expect(media.schema.oneOf).toContainEqual({ $ref: ENVELOPE });
        expect(media.schema.oneOf).toHaveLength(2);
      }
      expect(responses['200'].description).toContain('event: error');
      expect(responses['204'].description).toContain('Last-Event-ID');
    }
  });
});
