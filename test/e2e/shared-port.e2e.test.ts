import * as http2 from 'node:http2';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, ConnectError } from '@connectrpc/connect';
import { bootTestApp, type TestApp } from '../support/app';
import { bearer, grpcClient, type GrpcError } from '../support/grpc-client';
import { healthCheck, reflectionListServices } from '../support/grpc-infra-clients';
import { credentials, forGrpc, PASSWORD, uniqueEmail } from '../support/factories';
import { signUpAs } from '../support/users';
import { browserTransport, detailsOf, encode, googleGrpcWebText, grpcWebClient, grpcWebText, h2cTransport, messageDesc } from '../support/grpc-web-client';
import { fromBinary } from '@bufbuild/protobuf';
import { GRPC_WEB_BODY_LIMIT } from '../../src/common/grpc-web/grpc-web-routes';

const ORIGIN = 'https://app.example.com';

/** The gRPC address of PORT (not GRPC_PORT). */
const portAddress = (app: TestApp) => app.httpUrl.replace('http://', '');

/** A connect error's status details, read from the same trailer a browser gets. */
function webDetails(e: unknown) {
  expect(e).toBeInstanceOf(ConnectError);
  const err = e as ConnectError;
  return { code: err.code as number, message: err.rawMessage, details: detailsOf(err.metadata.get('grpc-status-details-bin') ?? undefined) };
}

async function rpcCount(app: TestApp, transport: string, method: string, code: string): Promise<number> {
  const text = (await app.http('GET', '/metrics')).text;
  const m = new RegExp(`^rpc_requests_total\\{transport="${transport}",method="${method.replace(/[.]/g, '\\.')}",code="${code}"\\} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

describe('one port: REST, gRPC and gRPC-Web on PORT', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp({ CORS_ALLOW_ORIGINS: ORIGIN, GRPC_REFLECTION: 'true' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('a gRPC-Web client (connect-web, binary) signs up, validates its token and streams users through PORT', async () => {
    const auth = grpcWebClient(browserTransport(app.httpUrl), 'auth.v1.AuthService');
    const email = uniqueEmail('web');
    const body = credentials(email);
    const signUp = await auth.signUp({ ...forGrpc(body), displayName: 'Web' });
    expect(signUp.status).toBe(1); // AUTH_STATUS_SUCCESS
    const accessToken = signUp.tokens.accessToken as string;
    const valid = await auth.validateCredentials({}, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(valid.valid).toBe(true);
    expect(valid.user.userId.value).toBe(signUp.user.userId.value);

    const admin = await signUpAs(app, 'admin', 'webadmin');
    const users = grpcWebClient(browserTransport(app.httpUrl), 'users.v1.UserService');
    const seen: string[] = [];
    for await (const user of users.listUsers({ query: email }, { headers: { authorization: `Bearer ${admin.accessToken}` } })) seen.push(user.email);
    expect(seen).toEqual([email]);
    expect(await rpcCount(app, 'grpc-web', '/auth.v1.AuthService/SignUp', 'OK')).toBeGreaterThanOrEqual(1);
  });

  it('ListUsers over gRPC-Web streams: the first user arrives while the stream is still open', async () => {
    const admin = await signUpAs(app, 'admin', 'streamer');
    await app.db.sql(
      `WITH u AS (INSERT INTO users (email, status) SELECT 'bulk-' || g || '-' || $1 || '@example.com', 'active' FROM generate_series(1, 3000) g RETURNING id)
       INSERT INTO user_profiles (user_id, display_name) SELECT id, 'Bulk user with a reasonably long display name' FROM u`,
      [admin.id.slice(0, 8)],
    );
    const res = await fetch(`${app.httpUrl}/users.v1.UserService/ListUsers`, {
      method: 'POST',
      headers: { 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1', authorization: `Bearer ${admin.accessToken}` },
      body: Buffer.concat([Buffer.from([0, 0, 0, 0, 0])]),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    const chunk = Buffer.from(first.value!);
    expect(chunk[0]).toBe(0); // a message frame
    const user = fromBinary(messageDesc('users.v1.User'), chunk.subarray(5, 5 + chunk.readUInt32BE(1))) as unknown as { email: string };
    expect(user.email).toMatch(/@example\.com$/);
    // The whole answer (3000 users, about 300 kB) has not been produced at once: the trailer is still to come.
    expect(chunk.includes(Buffer.from('grpc-status'))).toBe(false);
    let total = chunk.length;
    let last = chunk;
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      total += r.value.length;
      last = Buffer.from(r.value);
    }
    expect(total).toBeGreaterThan(100_000);
    expect(last.toString('latin1')).toMatch(/grpc-status: ?0\r\n/);
  });

  it('gRPC-Web text (base64) signs up, validates its token and streams users through PORT', async () => {
    const email = uniqueEmail('text');
    const signUp = await grpcWebText(app.httpUrl, '/auth.v1.AuthService/SignUp', encode('auth.v1.SignUpRequest', { ...forGrpc(credentials(email)), displayName: 'Text' }));
    expect(signUp.status).toBe(200);
    expect(signUp.headers.get('content-type')).toBe('application/grpc-web-text+proto');
    expect(signUp.trailers['grpc-status']).toBe('0');
    const answer = fromBinary(messageDesc('auth.v1.AuthResponse'), signUp.messages[0]!) as unknown as { tokens: { accessToken: string }; user: { userId: { value: string } } };
    const valid = await grpcWebText(app.httpUrl, '/auth.v1.AuthService/ValidateCredentials', new Uint8Array(), bearer(answer.tokens.accessToken));
    expect(valid.trailers['grpc-status']).toBe('0');
    expect((fromBinary(messageDesc('auth.v1.ValidateCredentialsResponse'), valid.messages[0]!) as unknown as { user: { userId: { value: string } } }).user.userId.value).toBe(answer.user.userId.value);

    const admin = await signUpAs(app, 'admin', 'textadmin');
    const list = await grpcWebText(app.httpUrl, '/users.v1.UserService/ListUsers', encode('users.v1.ListUsersRequest', { query: 'text-' }), bearer(admin.accessToken));
    expect(list.trailers['grpc-status']).toBe('0');
    const emails = list.messages.map((m) => (fromBinary(messageDesc('users.v1.User'), m) as unknown as { email: string }).email);
    expect(emails).toContain(email);
    expect(await rpcCount(app, 'grpc-web-text', '/users.v1.UserService/ListUsers', 'OK')).toBeGreaterThanOrEqual(1);
  });

  it('Google\'s grpc-web client in text mode signs up, validates its token and streams users through PORT', async () => {
    const web = googleGrpcWebText(app.httpUrl);
    const email = uniqueEmail('gweb');
    const signUp = await web.unary('/auth.v1.AuthService/SignUp', 'auth.v1.SignUpRequest', 'auth.v1.AuthResponse', { ...forGrpc(credentials(email)), displayName: 'G' });
    expect(signUp.status).toBe(1);
    const auth = { authorization: `Bearer ${signUp.tokens.accessToken}` };
    const valid = await web.unary('/auth.v1.AuthService/ValidateCredentials', 'auth.v1.ValidateCredentialsRequest', 'auth.v1.ValidateCredentialsResponse', {}, auth);
    expect(valid.user.userId.value).toBe(signUp.user.userId.value);
    const refused = await web.unary('/auth.v1.AuthService/ValidateCredentials', 'auth.v1.ValidateCredentialsRequest', 'auth.v1.ValidateCredentialsResponse', {}).catch((e: { code: number }) => e);
    expect((refused as { code: number }).code).toBe(Code.Unauthenticated);

    const admin = await signUpAs(app, 'admin', 'gwebadmin');
    const users = await web.stream('/users.v1.UserService/ListUsers', 'users.v1.ListUsersRequest', 'users.v1.User', { query: email }, { authorization: `Bearer ${admin.accessToken}` });
    expect(users.map((u: { email: string }) => u.email)).toEqual([email]);
  });

  it('gRPC-Web over cleartext HTTP/2 (connect-node, prior knowledge) reaches the same methods', async () => {
    const auth = grpcWebClient(h2cTransport(app.httpUrl), 'auth.v1.AuthService');
    const signUp = await auth.signUp({ ...forGrpc(credentials(uniqueEmail('h2c'))), displayName: 'H2' });
    expect(signUp.status).toBe(1);
    const claims = await auth.getAccessTokenClaims({}, { headers: { authorization: `Bearer ${signUp.tokens.accessToken}` } });
    expect(claims.userId.value).toBe(signUp.user.userId.value);
  });

  it('grpc-js, the health client and reflection work against PORT', async () => {
    const auth = grpcClient(portAddress(app), 'auth.v1');
    try {
      const body = credentials(uniqueEmail('native'));
      expect((await auth.call('SignUp', forGrpc(body))).status).toBe('AUTH_STATUS_SUCCESS');
      expect((await auth.call('Authenticate', forGrpc({ ...body, password: PASSWORD }))).status).toBe('AUTH_STATUS_SUCCESS');
    } finally {
      auth.close();
    }
    expect(await healthCheck(portAddress(app))).toBe('SERVING');
    expect(await healthCheck(portAddress(app), 'auth.v1.AuthService')).toBe('SERVING');
    expect(await reflectionListServices(portAddress(app))).toContain('users.v2.UserService');
    // REST keeps answering on the same port.
    expect((await app.http('GET', '/health/live')).status).toBe(200);
  });

  it('answers CORS preflight for gRPC-Web from an allowed origin, not from another', async () => {
    const preflight = (origin: string) =>
      fetch(`${app.httpUrl}/auth.v1.AuthService/SignUp`, {
        method: 'OPTIONS',
        headers: {
          origin, 'access-control-request-method': 'POST',
          'access-control-request-headers': 'x-grpc-web,x-user-agent,authorization,content-type,grpc-timeout',
        },
      });
    const allowed = await preflight(ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const allowedHeaders = (allowed.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/\s*,\s*/);
    expect(allowedHeaders).toEqual(expect.arrayContaining(['x-grpc-web', 'x-user-agent', 'authorization', 'content-type', 'grpc-timeout']));
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');

    const refused = await preflight('https://evil.example.net');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();

    // The actual call exposes the gRPC status headers to the page's script.
    const call = await fetch(`${app.httpUrl}/auth.v1.AuthService/ValidateCredentials`, {
      method: 'POST', headers: { origin: ORIGIN, 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1' }, body: Buffer.from([0, 0, 0, 0, 0]),
    });
    expect(call.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const exposed = (call.headers.get('access-control-expose-headers') ?? '').toLowerCase();
    for (const h of ['grpc-status', 'grpc-message', 'grpc-status-details-bin']) expect(exposed).toContain(h);
  });

  it('invalid argument and unauthenticated: the same status and details on gRPC, gRPC-Web binary and text (and REST)', async () => {
    const bad = { ...forGrpc(credentials('not-an-email')), password: 'x' };
    const native = grpcClient(portAddress(app), 'auth.v1');
    const nativeErr = (await native.call('SignUp', bad).catch((e: GrpcError) => e)) as GrpcError;
    const nativeNoToken = (await native.call('ValidateCredentials', {}).catch((e: GrpcError) => e)) as GrpcError;
    native.close();
    expect(nativeErr.code).toBe(Code.InvalidArgument);
    expect(nativeErr.fieldViolations.map((v) => v.field)).toEqual(expect.arrayContaining(['identifier']));
    const nativeView = { code: nativeErr.code, message: nativeErr.details, details: detailsOf((nativeErr.metadata.get('grpc-status-details-bin')[0] as Buffer).toString('base64')) };

    const web = grpcWebClient(browserTransport(app.httpUrl), 'auth.v1.AuthService');
    const webErr = webDetails(await web.signUp(bad).catch((e: unknown) => e));
    const textErr = await grpcWebText(app.httpUrl, '/auth.v1.AuthService/SignUp', encode('auth.v1.SignUpRequest', bad));
    const textView = { code: Number(textErr.trailers['grpc-status']), message: decodeURIComponent(textErr.trailers['grpc-message'] ?? ''), details: detailsOf(textErr.trailers['grpc-status-details-bin']) };
    expect(webErr).toEqual(nativeView);
    expect(textView).toEqual(nativeView);

    const webNoToken = webDetails(await web.validateCredentials({}).catch((e: unknown) => e));
    const textNoToken = await grpcWebText(app.httpUrl, '/auth.v1.AuthService/ValidateCredentials', new Uint8Array());
    expect(nativeNoToken.code).toBe(Code.Unauthenticated);
    const nativeNoTokenView = { code: nativeNoToken.code, message: nativeNoToken.details, details: detailsOf((nativeNoToken.metadata.get('grpc-status-details-bin')[0] as Buffer).toString('base64')) };
    expect(webNoToken).toEqual(nativeNoTokenView);
    expect({ code: Number(textNoToken.trailers['grpc-status']), message: decodeURIComponent(textNoToken.trailers['grpc-message'] ?? ''), details: detailsOf(textNoToken.trailers['grpc-status-details-bin']) }).toEqual(nativeNoTokenView);

    // REST, as before: 400 naming the field, 401.
    const rest = await app.http('POST', '/v1/auth/signup', { body: { ...credentials('not-an-email'), password: 'x' } });
    expect(rest.status).toBe(400);
    expect((await app.http('GET', '/v1/auth/credentials')).status).toBe(401);
  });

  it('refuses what gRPC-Web cannot carry: a +json codec, a body that is not base64, an unknown method', async () => {
    const json = await fetch(`${app.httpUrl}/auth.v1.AuthService/SignUp`, { method: 'POST', headers: { 'content-type': 'application/grpc-web+json' }, body: '{}' });
    expect(json.status).toBe(200);
    expect(json.headers.get('grpc-status')).toBe(String(Code.Unimplemented));
    const notBase64 = await fetch(`${app.httpUrl}/auth.v1.AuthService/SignUp`, { method: 'POST', headers: { 'content-type': 'application/grpc-web-text' }, body: '!!!' });
    expect(notBase64.headers.get('grpc-status')).toBe(String(Code.InvalidArgument));
    const unknown = await grpcWebText(app.httpUrl, '/auth.v1.AuthService/NoSuchMethod', new Uint8Array());
    expect(unknown.trailers['grpc-status']).toBe(String(Code.Unimplemented));
    // A REST request to an unknown two-segment path is still a REST 404.
    const rest = await app.http('POST', '/nothing.here/at-all', { body: {} });
    expect(rest.status).toBe(404);
  });

  it('a body over the message limit is RESOURCE_EXHAUSTED on gRPC-Web over HTTP/1.1 and HTTP/2 alike', async () => {
    const oversized = Buffer.alloc(GRPC_WEB_BODY_LIMIT + 1024);
    const viaHttp1 = await fetch(`${app.httpUrl}/auth.v1.AuthService/SignUp`, { method: 'POST', headers: { 'content-type': 'application/grpc-web+proto' }, body: oversized });
    expect(viaHttp1.status).toBe(200);
    expect(viaHttp1.headers.get('grpc-status')).toBe(String(Code.ResourceExhausted));
    const session = http2.connect(app.httpUrl);
    try {
      const stream = session.request({ ':method': 'POST', ':path': '/auth.v1.AuthService/SignUp', 'content-type': 'application/grpc-web+proto' });
      stream.on('error', () => undefined);
      stream.end(oversized);
      const headers = await new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('response', resolve));
      expect(headers[':status']).toBe(200);
      expect(headers['grpc-status']).toBe(String(Code.ResourceExhausted));
    } finally {
      session.close();
    }
    // REST keeps its own answer to an oversized body (INVALID_ARGUMENT, the 1 MiB body limit).
    const restTooLarge = await app.http('POST', '/v1/auth/signup', { raw: `{"identifier":"${'x'.repeat(2 * 1024 * 1024)}"}`, headers: { 'content-type': 'application/json' } });
    expect(restTooLarge.status).toBe(400);
    expect(restTooLarge.body.error.message).toMatch(/too large/);
  });

  it('HTTP/1.1 on the shared port loses no byte: a request split after its first byte, a large body, two pipelined requests', async () => {
    const { port } = new URL(app.httpUrl);
    const raw = (parts: string[]) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1');
        let answer = '';
        socket.on('data', (d) => (answer += d.toString('latin1')));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
        void (async () => {
          for (const p of parts) {
            socket.write(p);
            await new Promise((r) => setTimeout(r, 30));
          }
        })();
      });
    // "P" could still be the HTTP/2 preface: the service waits for more before deciding.
    const split = await raw(['P', 'OST /v1/auth/signup HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}']);
    expect(split).toMatch(/^HTTP\/1\.1 400 /);
    expect(split).toContain('"field"');

    const big = JSON.stringify({ ...credentials(uniqueEmail('big')), displayName: 'x'.repeat(900_000) });
    const large = await app.http('POST', '/v1/auth/signup', { body: JSON.parse(big) });
    expect(large.status).toBe(400);

    const get = 'GET /health/live HTTP/1.1\r\nhost: x\r\n\r\n';
    const pipelined = await raw([get + get.replace('\r\n\r\n', '\r\nconnection: close\r\n\r\n')]);
    expect(pipelined.match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
  });

  it('gRPC-Web never reaches grpc-js as native gRPC on HTTP/2 either: its trailers come in the body', async () => {
    const session = http2.connect(app.httpUrl);
    try {
      const stream = session.request({ ':method': 'POST', ':path': '/auth.v1.AuthService/ValidateCredentials', 'content-type': 'application/grpc-web+proto' });
      stream.end(Buffer.from([0, 0, 0, 0, 0]));
      const chunks: Buffer[] = [];
      let trailers: http2.IncomingHttpHeaders | undefined;
      const headers = await new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('response', resolve));
      stream.on('trailers', (t) => (trailers = t));
      for await (const c of stream) chunks.push(c as Buffer);
      expect(headers['content-type']).toBe('application/grpc-web+proto');
      expect(trailers).toBeUndefined();
      // Trailers-only (unauthenticated before any message): the status is in the headers.
      expect(headers['grpc-status'] ?? Buffer.concat(chunks).toString('latin1')).toMatch(/16/);
    } finally {
      session.close();
    }
  });
});

describe('gRPC-Web calls count against the browser\'s address, not the bridge\'s', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp({ GRPC_PORT: '0', RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_MAX: '3', RATE_LIMIT_TTL_SECONDS: '60', TRUSTED_PROXIES: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('rate limits gRPC-Web by the client IP the HTTP side resolved (one client spent, another still served)', async () => {
    const web = grpcWebClient(browserTransport(app.httpUrl), 'auth.v1.AuthService');
    const attempt = (ip: string) =>
      web.authenticate(forGrpc(credentials(uniqueEmail('rl'), 'wrong-pass-123')), { headers: { 'x-forwarded-for': ip } });
    for (let i = 0; i < 3; i++) expect((await attempt('203.0.113.7')).status).toBe(3); // AUTH_STATUS_FAILED
    const limited = webDetails(await attempt('203.0.113.7').catch((e: unknown) => e));
    expect(limited.code).toBe(Code.ResourceExhausted);
    expect(limited.details?.retryDelaySeconds).toBeGreaterThan(0);
    expect((await attempt('198.51.100.9')).status).toBe(3);
  });

  it('a native client cannot forge the bridge\'s marker: its calls stay native gRPC from its own address', async () => {
    const before = await rpcCount(app, 'grpc', '/auth.v1.AuthService/Authenticate', 'OK');
    const forged = (n: number) =>
      app.auth.call('Authenticate', forGrpc(credentials(uniqueEmail('forge'), 'wrong-pass-123')), { 'x-auth-service-bridge': `guess grpc-web 192.0.2.${n}` });
    for (let i = 0; i < 3; i++) expect((await forged(i)).status).toBe('AUTH_STATUS_FAILED');
    const err = (await forged(9).catch((e: GrpcError) => e)) as GrpcError;
    expect(err.code).toBe(Code.ResourceExhausted);
    expect(await rpcCount(app, 'grpc', '/auth.v1.AuthService/Authenticate', 'OK')).toBe(before + 3);
    // The four gRPC-Web calls of the test above (three from one client, one from the other).
    expect(await rpcCount(app, 'grpc-web', '/auth.v1.AuthService/Authenticate', 'OK')).toBe(4);
  });
});

describe('GRPC_PORT=0: everything on PORT, and shutdown drains it', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp({ GRPC_PORT: '0', SHUTDOWN_GRACE_MS: '20000' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('finishes in-flight calls of every protocol, does not wait for idle HTTP/2 connections, then stops accepting', async () => {
    expect(app.running.grpcPort).toBe(0);
    expect(app.grpcAddress).toBe(portAddress(app));
    // An idle native connection and an idle gRPC-Web HTTP/2 connection, both on PORT.
    const idle = grpcClient(portAddress(app), 'auth.v1');
    await idle.call('SignUp', forGrpc(credentials(uniqueEmail('idle'))));
    const h2Web = grpcWebClient(h2cTransport(app.httpUrl), 'auth.v1.AuthService');
    await h2Web.signUp(forGrpc(credentials(uniqueEmail('idleweb'))));

    const web = grpcWebClient(browserTransport(app.httpUrl), 'auth.v1.AuthService');
    const inFlight = [
      app.auth.call('SignUp', forGrpc(credentials(uniqueEmail('drain-native')))).then((r) => r.status),
      web.signUp(forGrpc(credentials(uniqueEmail('drain-web')))).then((r) => (r.status === 1 ? 'AUTH_STATUS_SUCCESS' : String(r.status))),
      grpcWebText(app.httpUrl, '/auth.v1.AuthService/SignUp', encode('auth.v1.SignUpRequest', forGrpc(credentials(uniqueEmail('drain-text'))))).then((r) => (r.trailers['grpc-status'] === '0' ? 'AUTH_STATUS_SUCCESS' : r.trailers['grpc-message'])),
      app.http('POST', '/v1/auth/signup', { body: credentials(uniqueEmail('drain-rest')) }).then((r) => r.body.status),
    ];
    // Long enough for every request to have reached the server (a request still on its way
    // when the server closes may meet a reset, as before the shared port).
    await new Promise((r) => setTimeout(r, 150));
    await app.running.shutdown('test');
    expect(await Promise.all(inFlight)).toEqual(Array(4).fill('AUTH_STATUS_SUCCESS'));
    expect(app.logs.find((l) => /did not finish within/.test(l))).toBeUndefined();
    idle.close();
    const refusedNow = await fetch(`${app.httpUrl}/health/live`).then(() => false, () => true);
    expect(refusedNow).toBe(true);
  });
});
