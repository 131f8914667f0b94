import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisThrottlerStorage } from '../../src/common/rate-limit/redis-throttler.storage';
import { bootTestApp, type TestApp } from '../support/app';
import { grpc, type GrpcError } from '../support/grpc-client';
import { credentials, forGrpc, uniqueEmail } from '../support/factories';
import { healthCheck } from '../support/grpc-infra-clients';
import { closedPort, FreezableRelay, TEST_REDIS_URL, testRedis } from '../support/redis';
import { eventually } from '../support/smtp-sink';

async function storeErrors(app: TestApp): Promise<number> {
  const metrics = await app.http('GET', '/metrics');
  return Number(/^rate_limit_store_errors_total (\d+)/m.exec(metrics.text)?.[1] ?? NaN);
}

// First in the file: Nest's own log lines reach app.logs only for the first app a test file boots.
describe('Redis down: the limiter fails over to per-replica counting', () => {
  let app: TestApp;
  beforeAll(async () => {
    const port = await closedPort();
    app = await bootTestApp({
      RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_MAX: '3', RATE_LIMIT_TTL_SECONDS: '60',
      REDIS_URL: `redis://:redis-pass-XYZ@127.0.0.1:${port}/0`, REDIS_KEY_PREFIX: `test:down:${port}:`,
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('serves requests, counts the failures, warns once without the URL, and stays ready', async () => {
    const before = await storeErrors(app);
    const body = credentials(uniqueEmail('down'), 'wrong-pass-123');
    const started = Date.now();
    const answers = [
      (await app.http('POST', '/v1/auth/authenticate', { body })).status,
      (await app.auth.call('Authenticate', forGrpc(body))).status,
      (await app.http('POST', '/v2/auth/authenticate', { body })).status,
    ];
    expect(answers).toEqual([200, 'AUTH_STATUS_FAILED', 200]);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await storeErrors(app)).toBe(before + 3);

    // Not open to unlimited guessing meanwhile: this replica's own budget still applies.
    expect((await app.http('POST', '/v1/auth/authenticate', { body })).status).toBe(429);

    expect((await app.http('GET', '/health/ready')).status).toBe(200);
    expect(await healthCheck(app.grpcAddress)).toBe('SERVING');
    const warnings = app.logs.filter((l) => /"level":40/.test(l) && /Redis/.test(l));
    expect(warnings).toHaveLength(1);
    expect(app.logs.filter((l) => l.includes('redis-pass-XYZ'))).toEqual([]);
  });
});

describe('rate limits on public methods', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_MAX: '3', RATE_LIMIT_TTL_SECONDS: '60' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers 429 with Retry-After / RESOURCE_EXHAUSTED once the per-IP budget of a method is spent, across transports', async () => {
    const body = credentials(uniqueEmail('rl'), 'wrong-pass-123');
    const first = await app.http('POST', '/v1/auth/authenticate', { body });
    const second = await app.auth.call('Authenticate', forGrpc(body));
    const third = await app.http('POST', '/v2/auth/authenticate', { body });
    expect([first.status, second.status, third.status]).toEqual([200, 'AUTH_STATUS_FAILED', 200]);

    const limited = await app.http('POST', '/v1/auth/authenticate', { body });
    expect(limited.status).toBe(429);
    expect(limited.body.error.status).toBe('RESOURCE_EXHAUSTED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const err = (await app.auth.call('Authenticate', forGrpc(body)).catch((e: GrpcError) => e)) as GrpcError;
    expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it('limits GetOAuthUrl and ExchangeOAuthCode per IP, each with its own budget, across transports', async () => {
    const url = { provider: 'OAUTH_PROVIDER_GOOGLE', redirectUri: 'https://app.example.com/cb' };
    const answers = [
      (await app.http('POST', '/v1/auth/oauth/url', { body: url })).status,
      await app.auth.call('GetOAuthUrl', url).catch((e: GrpcError) => e.code),
      (await app.http('POST', '/v2/auth/oauth/url', { body: url })).status,
    ];
    expect(answers).toEqual([400, grpc.status.FAILED_PRECONDITION, 400]);
    expect((await app.http('POST', '/v1/auth/oauth/url', { body: url })).status).toBe(429);
    const exchange = { code: 'c', state: 's', ...credentials(uniqueEmail('rl-oauth')) };
    for (let i = 0; i < 3; i++) expect((await app.http('POST', '/v1/auth/oauth/exchange', { body: exchange })).status).toBe(400);
    expect(((await app.auth.call('ExchangeOAuthCode', forGrpc(exchange)).catch((e: GrpcError) => e)) as GrpcError).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it('keeps separate budgets per method and leaves authenticated methods alone', async () => {
    const signUp = await app.http('POST', '/v1/auth/signup', { body: credentials(uniqueEmail('rl2')) });
    expect(signUp.status).toBe(200);
    for (let i = 0; i < 5; i++) {
      expect((await app.http('GET', '/v1/auth/credentials', { token: signUp.body.tokens.accessToken })).status).toBe(200);
    }
  });
});

describe('per-address limit on RecoveryStart', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_MAX: '3', RATE_LIMIT_TTL_SECONDS: '60', TRUSTED_PROXIES: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('limits reset mails to one address even when every request comes from another IP and spells it differently', async () => {
    const email = uniqueEmail('reset-flood');
    const spellings = [email, email.toUpperCase(), ` ${email}`, email.replace(/^./, (c) => c.toUpperCase())];
    const statuses: number[] = [];
    for (const [i, identifier] of spellings.entries()) {
      const res = await app.http('POST', '/v1/auth/recovery/start', { body: { identifier }, headers: { 'x-forwarded-for': `203.0.113.${i + 1}` } });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([204, 204, 204, 429]);
    // Another address from the same IPs is not affected.
    const other = await app.http('POST', '/v1/auth/recovery/start', { body: { identifier: uniqueEmail('other') }, headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(other.status).toBe(204);
  });
});

/** Authenticate from a forwarded client address (the test's peer is a trusted proxy); REST status or gRPC status name. */
async function signInFrom(app: TestApp, clientIp: string, transport: 'rest' | 'grpc'): Promise<string> {
  const body = credentials(uniqueEmail('v6'), 'wrong-pass-123');
  const headers = { 'x-forwarded-for': clientIp };
  if (transport === 'rest') return String((await app.http('POST', '/v1/auth/authenticate', { body, headers })).status);
  return app.auth.call('Authenticate', forGrpc(body), headers).then(
    (r) => r.status as string,
    (e: GrpcError) => grpc.status[e.code],
  );
}

describe('IPv6 clients are limited per /64 (RATE_LIMIT_IPV6_PREFIX default)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_MAX: '3', RATE_LIMIT_TTL_SECONDS: '60', TRUSTED_PROXIES: '127.0.0.1,::1' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('gives every address of one /64 one budget, on both transports, and another /64 its own', async () => {
    // One subscriber picks a new address in its /64 for every request.
    const answers = [
      await signInFrom(app, '2001:db8:1:2::1', 'rest'),
      await signInFrom(app, '2001:db8:1:2:ffff::9', 'grpc'),
      await signInFrom(app, '2001:DB8:1:2:0:0:0:7', 'rest'),
      await signInFrom(app, '2001:db8:1:2:abcd:ef01:2345:6789', 'grpc'),
      await signInFrom(app, '[2001:db8:1:2::42]:5555', 'rest'),
    ];
    expect(answers).toEqual(['200', 'AUTH_STATUS_FAILED', '200', 'RESOURCE_EXHAUSTED', '429']);
    expect(await signInFrom(app, '2001:db8:1:3::1', 'rest')).toBe('200');
    expect(await signInFrom(app, '2001:db8:1:3::1', 'grpc')).toBe('AUTH_STATUS_FAILED');
  });

  it('counts IPv4-mapped IPv6 as the IPv4 address, and IPv4 per address', async () => {
    const answers = [
      await signInFrom(app, '198.51.100.7', 'rest'),
      await signInFrom(app, '::ffff:198.51.100.7', 'grpc'),
      await signInFrom(app, '::ffff:c633:6407', 'rest'),
      await signInFrom(app, '198.51.100.7', 'grpc'),
    ];
    expect(answers).toEqual(['200', 'AUTH_STATUS_FAILED', '200', 'RESOURCE_EXHAUSTED']);
    // The neighbour address, plain or mapped, is another client.
    expect(await signInFrom(app, '::ffff:198.51.100.8', 'rest')).toBe('200');
  });
});

describe('RATE_LIMIT_IPV6_PREFIX=128 limits each IPv6 address on its own', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp({
      RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_MAX: '3', RATE_LIMIT_TTL_SECONDS: '60', TRUSTED_PROXIES: '127.0.0.1,::1', RATE_LIMIT_IPV6_PREFIX: '128',
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('gives two addresses of one /64 a budget each, however an address is spelt', async () => {
    const answers = [
      await signInFrom(app, '2001:db8:1:2::1', 'rest'),
      await signInFrom(app, '2001:DB8:1:2:0:0:0:1', 'grpc'),
      await signInFrom(app, '[2001:db8:1:2::1]:443', 'rest'),
      await signInFrom(app, '2001:db8:1:2::1', 'grpc'),
    ];
    expect(answers).toEqual(['200', 'AUTH_STATUS_FAILED', '200', 'RESOURCE_EXHAUSTED']);
    expect(await signInFrom(app, '2001:db8:1:2:ffff::9', 'rest')).toBe('200');
    expect(await signInFrom(app, '2001:db8:1:2:ffff::9', 'grpc')).toBe('AUTH_STATUS_FAILED');
  });
});

describe('Redis hung: a request never waits longer than REDIS_TIMEOUT_MS for it', () => {
  let app: TestApp;
  let relay: FreezableRelay;
  const store = testRedis();
  beforeAll(async () => {
    relay = await FreezableRelay.start();
    app = await bootTestApp({
      RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_MAX: '5', RATE_LIMIT_TTL_SECONDS: '60',
      REDIS_URL: relay.url, REDIS_KEY_PREFIX: store.prefix, REDIS_TIMEOUT_MS: '200',
    });
  });
  afterAll(async () => {
    await app?.close();
    await relay?.close();
    await store.cleanUp();
  });

  it('counts in Redis, falls back within the timeout while Redis hangs, and shares again once it answers', async () => {
    const body = credentials(uniqueEmail('hung'), 'wrong-pass-123');
    expect((await app.http('POST', '/v1/auth/authenticate', { body })).status).toBe(200);
    const keys = await store.keys();
    expect(keys).toHaveLength(1);
    expect(await store.redis.get(keys[0])).toBe('1');

    relay.freeze();
    const before = await storeErrors(app);
    const started = Date.now();
    expect((await app.auth.call('Authenticate', forGrpc(body))).status).toBe('AUTH_STATUS_FAILED');
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(await storeErrors(app)).toBe(before + 1);

    // While it still hangs, the next requests do not ask it again (each would wait for the
    // timeout): nothing more is sent to Redis, and each is counted in this replica.
    const held = relay.heldCount;
    for (let i = 0; i < 4; i++) await app.http('POST', '/v1/auth/authenticate', { body: credentials(uniqueEmail('hung-burst'), 'wrong-pass-123') });
    expect(relay.heldCount).toBe(held);
    expect(await storeErrors(app)).toBe(before + 5);

    relay.thaw();
    await eventually(async () => {
      await app.http('POST', '/v1/auth/authenticate', { body });
      return Number(await store.redis.get(keys[0])) >= 2;
    }, 'counting in Redis to resume', 10_000);
  });
});

describe('the Redis storage behind the limiter (the ThrottlerStorage contract)', () => {
  const store = testRedis();
  const replicas = [new Redis(TEST_REDIS_URL), new Redis(TEST_REDIS_URL)];
  const [one, two] = replicas.map((client) => new RedisThrottlerStorage(client, store.prefix));
  afterAll(async () => {
    for (const client of replicas) client.disconnect();
    await store.cleanUp();
  });

  it('counts hits in the window, then blocks for blockDuration and reports how long', async () => {
    const seen = [];
    for (let i = 0; i < 5; i++) seen.push(await (i % 2 ? two : one).increment('public:op:198.51.100.1', 60_000, 3, 30_000, 'public'));
    expect(seen.slice(0, 3)).toEqual([1, 2, 3].map((totalHits) => ({ totalHits, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 })));
    for (const refused of seen.slice(3)) {
      expect(refused.isBlocked).toBe(true);
      expect(refused.timeToBlockExpire).toBe(30);
    }
  });

  it('without blockDuration refuses until the window ends', async () => {
    const key = 'public:op:198.51.100.2';
    await one.increment(key, 60_000, 1, 0, 'public');
    expect(await two.increment(key, 60_000, 1, 0, 'public')).toMatchObject({ totalHits: 2, isBlocked: true, timeToBlockExpire: 60 });
  });

  it('lets exactly `limit` of 100 concurrent hits through two replicas', async () => {
    const key = 'public:op:198.51.100.3';
    const records = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? two : one).increment(key, 60_000, 10, 60_000, 'public')));
    expect(records.filter((r) => !r.isBlocked)).toHaveLength(10);
    expect(records.filter((r) => !r.isBlocked).map((r) => r.totalHits).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
