import { ModulesContainer } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/app-config';
import { initTelemetry } from '../../src/common/observability/init-telemetry';
import { flushTelemetry } from '../../src/common/observability/telemetry';
import { bootTestApp, TEST_JWT_SECRET, type TestApp } from '../support/app';
import { credentials, forGrpc, uniqueEmail } from '../support/factories';
import { grpc, type GrpcError } from '../support/grpc-client';
import { OtlpSink } from '../support/otlp-sink';
import { SentrySink } from '../support/sentry-sink';

const PASSWORD = 'canary-Horse-battery-91';
const COOKIE_SECRET = 'cookie-canary-7f3a9c2e51';

/**
 * Unexpected failures reach Sentry exactly once per request, named by request id
 * and method, and never carry what the request carried (password, identifier,
 * tokens, cookies) nor what the database knows (the stored hash).
 */
describe('Sentry error reporting', () => {
  let sentry: SentrySink;
  let otlp: OtlpSink;
  let app: TestApp;
  let email: string;
  let accessToken: string;
  let refreshToken: string;
  let passwordHash: string;

  beforeAll(async () => {
    sentry = await SentrySink.start();
    otlp = await OtlpSink.start();
    const env = { SENTRY_DSN: sentry.dsn, OTLP_ENDPOINT: otlp.endpoint };
    // What the --import instrument file does in production, before the app loads.
    initTelemetry(loadConfig({ NODE_ENV: 'test', JWT_SECRET_KEY: TEST_JWT_SECRET, ...env }));
    app = await bootTestApp(env);

    email = uniqueEmail('sentry');
    const signup = await app.http('POST', '/v1/auth/signup', { body: credentials(email, PASSWORD) });
    expect(signup.status, signup.text).toBe(200);
    ({ accessToken, refreshToken } = signup.body.tokens);
    passwordHash = (await app.db.sql<{ password_hash: string }>('SELECT password_hash FROM users WHERE email = $1', [email]))[0].password_hash;

    // Test-only fault: a successful sign-in records the login with an UPDATE of the user,
    // which now fails with a message quoting the whole row (email, hash), as driver
    // messages quote values. Unreachable in production: it lives in this test's database.
    await app.db.sql(`CREATE FUNCTION refuse_user_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'update refused: %', row_to_json(NEW); END $$`);
    await app.db.sql('CREATE TRIGGER refuse_user_update BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION refuse_user_update()');
  });

  afterAll(async () => {
    await app?.close();
    await sentry?.close();
    await otlp?.close();
  });

  // The hash's salt and digest count on their own: a partly cut hash still leaks them.
  const secrets = () => [PASSWORD, email, email.split('@')[0], accessToken, refreshToken, COOKIE_SECRET, ...passwordHash.split('$').slice(-2)];

  function eventsOf(requestId: string): any[] {
    return sentry.events().filter((e) => e.tags?.request_id === requestId);
  }

  function expectScrubbed(event: any): void {
    const raw = sentry.envelopes.find((e) => e.items.some((i) => i.payload === event || i.payload?.event_id === event.event_id))!.raw;
    for (const secret of secrets()) expect(raw, `envelope leaks ${secret.slice(0, 12)}...`).not.toContain(secret);
    expect(event.request?.headers).toBeUndefined();
    expect(event.request?.cookies).toBeUndefined();
    expect(event.request?.data).toBeUndefined();
    expect(event.user).toBeUndefined();
    // The message stays useful, with the personal data cut out.
    expect(event.exception.values[0].value).toMatch(/update refused/);
  }

  it('registers SentryModule in the app', () => {
    const modules = [...app.running.app.get(ModulesContainer).values()].map((m) => m.metatype.name);
    expect(modules).toContain('SentryModule');
  });

  it('reports an INTERNAL gRPC failure once, with request id, method and trace id', async () => {
    const err = (await app.auth
      .call('Authenticate', forGrpc(credentials(email, PASSWORD)), {
        'x-request-id': 'sentry-grpc-1',
        authorization: `Bearer ${accessToken}`,
        cookie: `session=${COOKIE_SECRET}`,
        'x-refresh-token': refreshToken,
      })
      .catch((e: GrpcError) => e)) as GrpcError;
    expect(err.code).toBe(grpc.status.INTERNAL);
    await flushTelemetry();

    const events = eventsOf('sentry-grpc-1');
    expect(events).toHaveLength(1);
    expect(events[0].tags).toMatchObject({ transport: 'grpc', rpc_method: '/auth.v1.AuthService/Authenticate' });
    expect(events[0].transaction).toBe('/auth.v1.AuthService/Authenticate');
    expectScrubbed(events[0]);

    // Sentry and OpenTelemetry run side by side: the event names the trace of the call.
    const rpcSpan = otlp.spans.find((s) => s.attributes['app.request_id'] === 'sentry-grpc-1');
    expect(rpcSpan).toBeDefined();
    expect(events[0].tags.trace_id).toBe(rpcSpan!.traceId);
    expect(events[0].contexts.trace.trace_id).toBe(rpcSpan!.traceId);
  });

  it('reports an INTERNAL REST failure once, without headers, cookies or body', async () => {
    const res = await app.http('POST', '/v1/auth/authenticate?token=' + refreshToken, {
      body: credentials(email, PASSWORD),
      headers: { 'x-request-id': 'sentry-rest-1', authorization: `Bearer ${accessToken}`, cookie: `session=${COOKIE_SECRET}` },
    });
    expect(res.status).toBe(500);
    expect(res.body.error.status).toBe('INTERNAL');
    await flushTelemetry();

    const events = eventsOf('sentry-rest-1');
    expect(events).toHaveLength(1);
    expect(events[0].tags).toMatchObject({ transport: 'http', rpc_method: 'POST /v1/auth/authenticate' });
    expectScrubbed(events[0]);
  });

  it('does not report expected errors', async () => {
    const before = sentry.events().length;
    const res = await app.http('POST', '/v1/auth/authenticate', { body: { identifier: email }, headers: { 'x-request-id': 'sentry-invalid-1' } });
    expect(res.status).toBe(400);
    const err = (await app.auth.call('Authenticate', { identifier: email }, { 'x-request-id': 'sentry-invalid-2' }).catch((e: GrpcError) => e)) as GrpcError;
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    await flushTelemetry();
    expect(sentry.events()).toHaveLength(before);
    expect(before).toBe(2);
  });
});
