import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/app-config';
import { initTelemetry } from '../../src/common/observability/init-telemetry';
import { flushTelemetry } from '../../src/common/observability/telemetry';
import { bootTestApp, TEST_JWT_SECRET, type TestApp } from '../support/app';
import { credentials, forGrpc, PASSWORD, uniqueEmail } from '../support/factories';
import { OtlpSink, type ReceivedSpan } from '../support/otlp-sink';

const SERVER = 2;
const PG_SCOPE = '@opentelemetry/instrumentation-pg';

/**
 * SDK modules in the require cache. @opentelemetry/api is left out: prom-client loads that
 * facade for exemplars whatever the configuration, and without an SDK it does nothing.
 */
function sdkModulesLoaded(): string[] {
  const cache = createRequire(__filename).cache;
  return Object.keys(cache).filter((p) => /node_modules[\\/](@opentelemetry[\\/](?!api[\\/])|@sentry[\\/])/.test(p));
}

// First, before anything in this process initialises telemetry.
describe('telemetry off (no OTLP_ENDPOINT, no SENTRY_DSN)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('loads no OpenTelemetry or Sentry module at all', async () => {
    const email = uniqueEmail('otel-off');
    expect((await app.http('POST', '/v1/auth/signup', { body: credentials(email) })).status).toBe(200);
    expect((await app.http('POST', '/v1/auth/authenticate', { body: credentials(email) })).status).toBe(200);
    expect(sdkModulesLoaded()).toEqual([]);
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('opentelemetry.js.api.1')]).toBeUndefined();
  });
});

describe('OpenTelemetry traces over OTLP/HTTP', () => {
  let sink: OtlpSink;
  let app: TestApp;
  let email: string;

  beforeAll(async () => {
    sink = await OtlpSink.start();
    const env = { OTLP_ENDPOINT: sink.endpoint, SERVICE_NAME: 'auth-service-otel-test' };
    // What the --import instrument file does in production, before the app loads.
    initTelemetry(loadConfig({ NODE_ENV: 'test', JWT_SECRET_KEY: TEST_JWT_SECRET, ...env }));
    app = await bootTestApp(env);
    email = uniqueEmail('otel');
    expect((await app.http('POST', '/v1/auth/signup', { body: credentials(email) })).status).toBe(200);
  });

  afterAll(async () => {
    await app?.close();
    await sink?.close();
  });

  function rpcSpan(requestId: string): ReceivedSpan {
    const spans = sink.spans.filter((s) => s.attributes['app.request_id'] === requestId);
    expect(spans, `one RPC span for ${requestId}`).toHaveLength(1);
    return spans[0];
  }

  function expectPgChildren(root: ReceivedSpan): void {
    const pg = sink.descendantsOf(root).filter((s) => s.scope === PG_SCOPE);
    expect(pg.length, 'PostgreSQL spans under the RPC span').toBeGreaterThan(0);
    expect(pg.some((s) => s.parentSpanId === root.spanId)).toBe(true);
    expect(pg.some((s) => /SELECT|INSERT|UPDATE/.test(String(s.attributes['db.query.text'] ?? s.attributes['db.statement'] ?? '')))).toBe(true);
  }

  it('exports a server span for gRPC Authenticate with PostgreSQL spans as children', async () => {
    const res = await app.auth.call('Authenticate', forGrpc(credentials(email)), { 'x-request-id': 'otel-grpc-1' });
    expect(res.status).toBe('AUTH_STATUS_SUCCESS');
    await flushTelemetry();

    const root = rpcSpan('otel-grpc-1');
    expect(root).toMatchObject({ name: 'auth.v1.AuthService/Authenticate', kind: SERVER, parentSpanId: undefined });
    expect(root.attributes).toMatchObject({ 'rpc.system': 'grpc', 'rpc.service': 'auth.v1.AuthService', 'rpc.method': 'Authenticate', 'rpc.grpc.status_code': 0 });
    expect(root.resource).toMatchObject({ 'service.name': 'auth-service-otel-test' });
    expect(sink.requests.every((r) => r.path === '/v1/traces')).toBe(true);
    expectPgChildren(root);
  });

  it('continues the caller trace from a W3C traceparent', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = '00f067aa0ba902b7';
    await app.auth.call('Authenticate', forGrpc(credentials(email)), { 'x-request-id': 'otel-grpc-2', traceparent: `00-${traceId}-${parent}-01` });
    await flushTelemetry();
    expect(rpcSpan('otel-grpc-2')).toMatchObject({ traceId, parentSpanId: parent });
  });

  it('records neither parameters nor credentials in any span', () => {
    const exported = JSON.stringify(sink.spans);
    expect(exported).not.toContain(email);
    expect(exported).not.toContain(PASSWORD);
    expect(exported).not.toContain('$argon2');
  });

  it('exports the REST span tree, flushed by the app shutdown', async () => {
    const res = await app.http('POST', '/v1/auth/authenticate', { body: credentials(email), headers: { 'x-request-id': 'otel-rest-1' } });
    expect(res.status).toBe(200);
    // No explicit flush: closing the app must export what is still buffered.
    await app.close();

    const root = rpcSpan('otel-rest-1');
    expect(root).toMatchObject({ name: 'POST /v1/auth/authenticate', kind: SERVER });
    expect(root.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/v1/auth/authenticate', 'rpc.grpc.status_code': 0 });
    expectPgChildren(root);
  });
});
