import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { grpc, type GrpcError } from '../support/grpc-client';
import { healthCheck, reflectionListServices } from '../support/grpc-infra-clients';

describe('foundation: hybrid app, errors, health, observability', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('serves readiness as JSON with the database and migrations up', async () => {
    const res = await app.http('GET', '/health/ready');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.details.database.status).toBe('up');
    expect(res.body.details.migrations.status).toBe('up');
    expect((await app.http('GET', '/health/live')).status).toBe(200);
    expect((await app.http('GET', '/health')).status).toBe(200);
  });

  it('names the service and version at GET /', async () => {
    const res = await app.http('GET', '/');
    expect(res.body).toEqual({ service: 'auth-service', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it('answers grpc.health.v1 Check with SERVING once ready', async () => {
    await expect.poll(() => healthCheck(app.grpcAddress), { timeout: 5_000 }).toBe('SERVING');
    expect(await healthCheck(app.grpcAddress, 'auth.v1.AuthService')).toBe('SERVING');
  });

  it('lists the contract services through server reflection', async () => {
    const services = await reflectionListServices(app.grpcAddress);
    expect(services).toEqual(
      expect.arrayContaining(['auth.v1.AuthService', 'auth.v2.AuthService', 'users.v1.UserService', 'users.v2.UserService', 'grpc.health.v1.Health']),
    );
  });

  it('answers a social sign-in with an unconfigured provider FAILED_PRECONDITION naming it, on both transports', async () => {
    const request = { provider: 'OAUTH_PROVIDER_GOOGLE', redirectUri: 'https://app.example.com/cb' };
    const err = (await app.auth.call('GetOAuthUrl', request).catch((e: GrpcError) => e)) as GrpcError;
    expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(err.details).toMatch(/OAUTH_PROVIDER_GOOGLE is not configured/);
    const res = await app.http('POST', '/v1/auth/oauth/url', { body: { ...request, provider: 'OAUTH_PROVIDER_OIDC' } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 400, status: 'FAILED_PRECONDITION' });
    expect(res.body.error.message).toMatch(/OAUTH_PROVIDER_OIDC is not configured .*OAUTH_OIDC_CLIENT_ID/);
    expect((await app.http('POST', '/v2/auth/oauth/url', { body: request })).status).toBe(400);
    // Not in API.md's public list: a token is needed.
    expect((await app.http('GET', '/v1/auth/oauth/providers')).status).toBe(401);
  });

  it('rejects malformed requests with INVALID_ARGUMENT naming the fields, on both transports', async () => {
    const tooLong = 'x'.repeat(400);
    const rest = await app.http('POST', '/v1/auth/authenticate', {
      body: { identifier: tooLong, identifierType: 'NOT_AN_ENUM', password: 12345, installationId: 'nope', clientInfo: { deviceId: 'd' } },
    });
    expect(rest.status).toBe(400);
    expect(rest.body.error.status).toBe('INVALID_ARGUMENT');
    const restFields = rest.body.error.details.find((d: any) => d['@type'].endsWith('BadRequest')).fieldViolations.map((v: any) => v.field);
    expect(restFields).toEqual(expect.arrayContaining(['identifier', 'identifierType', 'password', 'installationId']));

    const err = (await app.auth
      .call('Authenticate', { identifier: tooLong, identifierType: 99, password: 'x', installationId: { value: 'nope' }, clientInfo: { deviceId: 'd' } })
      .catch((e: GrpcError) => e)) as GrpcError;
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.fieldViolations.map((v) => v.field)).toEqual(expect.arrayContaining(['identifier', 'identifier_type', 'installation_id']));
  });

  it('answers a body that is not JSON, and unknown routes, with the error envelope', async () => {
    const bad = await app.http('POST', '/v1/auth/authenticate', { raw: '{"identifier":', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.status).toBe('INVALID_ARGUMENT');
    const missing = await app.http('GET', '/v1/no-such-route');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 404, status: 'NOT_FOUND' });
  });

  it('answers a call without a token with 401 / UNAUTHENTICATED in the envelope', async () => {
    const res = await app.http('GET', '/v1/auth/credentials');
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
    const err = (await app.auth.call('ValidateCredentials', {}).catch((e: GrpcError) => e)) as GrpcError;
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('echoes a safe x-request-id and replaces an unsafe one', async () => {
    const ok = await app.http('GET', '/', { headers: { 'x-request-id': 'abc-123' } });
    expect(ok.headers.get('x-request-id')).toBe('abc-123');
    const unsafe = await app.http('GET', '/', { headers: { 'x-request-id': 'bad id "forged":true' } });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('echoes the request id in gRPC response headers, for answers and for errors', async () => {
    const headersOf = (method: string, request: object) =>
      new Promise<string | undefined>((resolve) => {
        const md = new grpc.Metadata();
        md.set('x-request-id', 'grpc-req-7');
        const call = (app.auth.client as unknown as Record<string, Function>)[method](request, md, () => undefined);
        call.on('metadata', (m: grpc.Metadata) => resolve(m.get('x-request-id')[0] as string | undefined));
        call.on('status', () => resolve(undefined));
      });
    expect(await headersOf('Authenticate', { identifier: 'nobody@example.com', password: 'x-pass-123', installationId: { value: '0195c5a4-8a5e-7c3a-9f1e-2b3c4d5e6f70' }, clientInfo: { deviceId: 'd' } })).toBe('grpc-req-7');
    expect(await headersOf('GetOAuthUrl', {})).toBe('grpc-req-7');
  });

  it('exports rpc metrics for both transports', async () => {
    const unconfigured = { provider: 'OAUTH_PROVIDER_GITHUB', redirectUri: 'https://app.example.com/cb' };
    await app.http('POST', '/v1/auth/oauth/url', { body: unconfigured });
    await app.auth.call('GetOAuthUrl', unconfigured).catch(() => undefined);
    const res = await app.http('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/rpc_requests_total\{transport="http",method="POST \/v1\/auth\/oauth\/url",code="FAILED_PRECONDITION"\} \d+/);
    expect(res.text).toMatch(/rpc_requests_total\{transport="grpc",method="\/auth\.v1\.AuthService\/GetOAuthUrl",code="FAILED_PRECONDITION"\} \d+/);
    expect(res.text).toMatch(/rpc_request_duration_seconds_bucket/);
    expect(res.text).toMatch(/process_resident_memory_bytes/);
  });

  it('serves the OpenAPI document as JSON and YAML, and Swagger UI', async () => {
    const json = await app.http('GET', '/api-docs/openapi.json');
    expect(json.status).toBe(200);
    expect(json.body.openapi).toMatch(/^3\.1/);
    expect(Object.keys(json.body.paths)).toEqual(expect.arrayContaining(['/v1/auth/authenticate', '/v2/auth/authenticate']));
    const yaml = await app.http('GET', '/api-docs/openapi.yaml');
    expect(yaml.status).toBe(200);
    expect(yaml.text).toMatch(/^openapi: 3\.1/m);
    expect((await app.http('GET', '/swagger-ui')).status).toBeLessThan(400);
  });
});
