import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/common/clock';
import { ExpirySweeper } from '../../src/common/maintenance/expiry-sweeper';
import { MailOutbox } from '../../src/modules/mail/mail-outbox.service';
import { OutboxWorker } from '../../src/modules/mail/outbox-worker.service';
import { bootTestAppOn, type TestApp } from '../support/app';
import { bearer, grpc, type GrpcError } from '../support/grpc-client';
import { credentials, forGrpc, PASSWORD, uniqueEmail } from '../support/factories';
import { TEST_REDIS_URL, testRedis } from '../support/redis';
import { eventually, startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { createTestDatabase, type TestDatabase } from '../support/test-db';

/**
 * Two instances of the service on one database and one Redis, as the Helm chart
 * runs them: together they must behave as one service.
 */
describe('two replicas on one database and one Redis', () => {
  const store = testRedis();
  const clock = new ManualClock();
  let db: TestDatabase;
  let smtp: SmtpSink;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    smtp = await startSmtpSink();
    const env = {
      RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_MAX: '4', RATE_LIMIT_TTL_SECONDS: '60',
      // Each scenario speaks from its own client IP (x-forwarded-for from the trusted loopback), so budgets never mix.
      TRUSTED_PROXIES: '127.0.0.1',
      REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: store.prefix,
      SMTP_URL: smtp.url, MAIL_OUTBOX_POLL_MS: '5',
    };
    a = await bootTestAppOn(db, env, { clock });
    b = await bootTestAppOn(db, env, { clock });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await smtp?.close();
    await store.cleanUp();
    await db?.drop();
  });

  it('a limit of N is reached after N requests spread over both replicas and both transports', async () => {
    const from = { 'x-forwarded-for': '203.0.113.10' };
    const email = uniqueEmail('spread');
    const body = credentials(email, 'wrong-pass-123');
    const answers = [
      (await a.http('POST', '/v1/auth/authenticate', { body, headers: from })).status,
      (await b.auth.call('Authenticate', forGrpc(body), from)).status,
      (await a.auth.call('Authenticate', forGrpc(body), from)).status,
      (await b.http('POST', '/v2/auth/authenticate', { body, headers: from })).status,
    ];
    expect(answers).toEqual([200, 'AUTH_STATUS_FAILED', 'AUTH_STATUS_FAILED', 200]);

    // The fifth request is refused by either replica, on either transport.
    const onA = await a.http('POST', '/v1/auth/authenticate', { body, headers: from });
    expect(onA.status).toBe(429);
    expect(Number(onA.headers.get('retry-after'))).toBeGreaterThan(0);
    const onB = (await b.auth.call('Authenticate', forGrpc(body), from).catch((e: GrpcError) => e)) as GrpcError;
    expect(onB.code).toBe(grpc.status.RESOURCE_EXHAUSTED);

    // Another client keeps its own budget.
    expect((await b.http('POST', '/v1/auth/authenticate', { body, headers: { 'x-forwarded-for': '203.0.113.11' } })).status).toBe(200);

    // The counters live in Redis under the configured prefix, keyed by digests: no IP or address in clear.
    const keys = await store.keys();
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key.startsWith(`${store.prefix}rl:`)).toBe(true);
      expect(key).not.toContain('203.0.113');
      expect(key).not.toContain(email);
    }
  });

  it('a session revoked through one replica is refused by the other at once', async () => {
    const email = uniqueEmail('revoked');
    const signIn = async (app: TestApp, deviceId: string) => {
      const res = await app.http('POST', '/v1/auth/authenticate', { body: credentials(email, PASSWORD, deviceId), headers: { 'x-forwarded-for': '203.0.113.20' } });
      expect(res.body.status).toBe('AUTH_STATUS_SUCCESS');
      return res.body.tokens as { accessToken: string; refreshToken: string };
    };
    expect((await a.http('POST', '/v1/auth/signup', { body: credentials(email, PASSWORD, 'phone'), headers: { 'x-forwarded-for': '203.0.113.21' } })).status).toBe(200);
    const phone = await signIn(a, 'phone');
    const laptop = await signIn(b, 'laptop');
    const tablet = await signIn(a, 'tablet');

    // Revoked through B over REST; A refuses it on both transports.
    expect((await b.http('DELETE', '/v1/auth/sessions/phone', { token: laptop.accessToken })).status).toBe(204);
    expect((await a.http('DELETE', '/v1/auth/sessions', { token: phone.accessToken })).status).toBe(401);
    const viaGrpc = (await a.auth.call('RevokeOtherSessions', {}, bearer(phone.accessToken)).catch((e: GrpcError) => e)) as GrpcError;
    expect(viaGrpc.code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await a.http('POST', '/v1/auth/token/refresh', { body: { refreshToken: phone.refreshToken } })).status).toBe(401);

    // Revoked through A over gRPC; B refuses it on both transports.
    await a.auth.call('RevokeSession', { deviceId: 'laptop' }, bearer(tablet.accessToken));
    expect((await b.http('POST', '/v1/auth/password/change', { token: laptop.accessToken, body: { currentPassword: PASSWORD, newPassword: 'brand-new-pass-1' } })).status).toBe(401);
    const refresh = (await b.auth.call('RefreshTokens', { refreshToken: laptop.refreshToken }).catch((e: GrpcError) => e)) as GrpcError;
    expect(refresh.code).toBe(grpc.status.UNAUTHENTICATED);

    // The session that revoked them still works on both.
    expect((await b.auth.call('RevokeOtherSessions', {}, bearer(tablet.accessToken))).revokedCount).toBe(0);
  });

  it('each outbox mail is delivered once', async () => {
    const recipients = Array.from({ length: 40 }, () => uniqueEmail('once'));
    await Promise.all(recipients.map((to, i) =>
      (i % 2 ? a : b).running.app.get(MailOutbox).enqueue({
        to, template: 'password-changed', locale: 'en', data: { displayName: 'Twin', changedAt: clock.now().toISOString() },
      })));
    await eventually(() => recipients.every((r) => smtp.mailsTo(r).length > 0), 'all 40 mails');
    // More passes of both workers, at the same moment: still one copy each.
    await Promise.all([a.running.app.get(OutboxWorker).runOnce(), b.running.app.get(OutboxWorker).runOnce()]);
    await new Promise((r) => setTimeout(r, 100));
    expect(recipients.map((r) => smtp.mailsTo(r).length)).toEqual(recipients.map(() => 1));
  });

  it('the expiry sweeper runs on one replica at a time', async () => {
    const email = uniqueEmail('sweep');
    const signUp = await b.http('POST', '/v1/auth/signup', { body: credentials(email), headers: { 'x-forwarded-for': '203.0.113.30' } });
    await db.sql('UPDATE sessions SET expires_at = $2 WHERE user_id = $1', [signUp.body.user.userId, new Date(clock.now().getTime() - 1000)]);

    // A last task that holds each sweep open until released, so the two runs surely overlap.
    const entered: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const sweeperOf = (app: TestApp) => app.running.app.get(ExpirySweeper);
    for (const [name, app] of [['a', a], ['b', b]] as const) {
      sweeperOf(app).register({ name: 'gate', sweep: async () => { entered.push(name); await gate; return 0; } });
    }

    const results = new Map<string, Record<string, number> | null>();
    const runs = (['a', 'b'] as const).map((name) =>
      sweeperOf(name === 'a' ? a : b).runOnce().then((r) => void results.set(name, r)));
    await eventually(() => entered.length === 1 && results.size === 1, 'one sweep to hold the lock and the other to skip', 5_000);
    const [winner] = entered;
    const loser = winner === 'a' ? 'b' : 'a';
    expect(results.get(loser)).toBeNull();
    // A second run inside the winner's own process is refused too.
    expect(await sweeperOf(winner === 'a' ? a : b).runOnce()).toBeNull();

    release();
    await Promise.all(runs);
    expect(entered).toEqual([winner]);
    expect(results.get(winner)).toMatchObject({ sessions: 1, gate: 0 });
    expect(await db.sql('SELECT 1 FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = $1', [email])).toHaveLength(0);

    // The lock is free again once the sweep is done.
    expect(await sweeperOf(a).runOnce()).toMatchObject({ sessions: 0 });
  });
});
