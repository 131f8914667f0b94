import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { bearer, type GrpcError, grpc } from '../support/grpc-client';
import { credentials, uniqueEmail } from '../support/factories';

async function signUp(app: TestApp): Promise<{ refreshToken: string; accessToken: string; userId: string }> {
  const res = await app.http('POST', '/v1/auth/signup', { body: credentials(uniqueEmail('rot')) });
  return { ...res.body.tokens, userId: res.body.user.userId };
}

async function validRefreshTokens(app: TestApp, candidates: string[]): Promise<string[]> {
  const valid: string[] = [];
  for (const token of new Set(candidates)) {
    // Probe without consuming: compare hashes in the database instead of refreshing.
    const rows = await app.db.sql(`SELECT 1 FROM sessions WHERE refresh_token_hash = sha256(convert_to($1, 'UTF8'))`, [token]);
    if (rows.length) valid.push(token);
  }
  return valid;
}

describe('refresh token rotation', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp({ REFRESH_REUSE_GRACE_SECONDS: '10' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('stores refresh tokens only as SHA-256 hashes', async () => {
    const { refreshToken, userId } = await signUp(app);
    const [row] = await app.db.sql(`SELECT refresh_token_hash, encode(refresh_token_hash, 'escape') AS raw FROM sessions WHERE user_id = $1`, [userId]);
    expect((row.refresh_token_hash as Buffer).length).toBe(32);
    expect(JSON.stringify(row)).not.toContain(refreshToken);
  });

  it('rotates: a new pair, the slid expiry, one more activity, device fields kept', async () => {
    const { refreshToken, userId } = await signUp(app);
    const [before] = await app.db.sql('SELECT expires_at, activity_count, device_name, metadata FROM sessions WHERE user_id = $1', [userId]);
    app.clock.advance(60_000);
    const res = await app.http('POST', '/v1/auth/token/refresh', { body: { refreshToken } });
    expect(res.status).toBe(200);
    const [after] = await app.db.sql('SELECT expires_at, activity_count, device_name, metadata FROM sessions WHERE user_id = $1', [userId]);
    expect(after.expires_at.getTime() - before.expires_at.getTime()).toBe(60_000);
    expect(after.activity_count).toBe(before.activity_count + 1);
    expect(after.device_name).toBe(before.device_name);
    expect(after.metadata).toEqual(before.metadata);
    expect(await validRefreshTokens(app, [refreshToken, res.body.refreshToken])).toEqual([res.body.refreshToken]);
  });

  it('lets two tabs refresh with one token inside the grace window and leaves one valid token', async () => {
    const { refreshToken } = await signUp(app);
    const [a, b] = await Promise.all([
      app.http('POST', '/v1/auth/token/refresh', { body: { refreshToken } }),
      app.http('POST', '/v1/auth/token/refresh', { body: { refreshToken } }),
    ]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(await validRefreshTokens(app, [refreshToken, a.body.refreshToken, b.body.refreshToken])).toHaveLength(1);
  });

  it('treats a rotated token presented after the grace window as stolen and ends the session', async () => {
    const { refreshToken, userId } = await signUp(app);
    const next = await app.http('POST', '/v1/auth/token/refresh', { body: { refreshToken } });
    app.clock.advance(11_000);
    const reuse = await app.http('POST', '/v1/auth/token/refresh', { body: { refreshToken } });
    expect(reuse.status).toBe(401);
    expect(await app.db.sql('SELECT 1 FROM sessions WHERE user_id = $1', [userId])).toHaveLength(0);
    const err = (await app.auth.call('RefreshTokens', { refreshToken: next.body.refreshToken }).catch((e: GrpcError) => e)) as GrpcError;
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('rejects unknown, empty and oversized refresh tokens alike', async () => {
    expect((await app.http('POST', '/v1/auth/token/refresh', { body: { refreshToken: 'x'.repeat(43) } })).status).toBe(401);
    expect((await app.http('POST', '/v1/auth/token/refresh', { body: { refreshToken: '' } })).status).toBe(400);
    expect((await app.http('POST', '/v1/auth/token/refresh', { body: { refreshToken: 'x'.repeat(5000) } })).status).toBe(400);
  });
});

describe('refresh races outside the grace window', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp({ REFRESH_REUSE_GRACE_SECONDS: '0' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('lets exactly one of 100 parallel refreshes rotate; the reuse ends the session, so no token stays valid', async () => {
    const { refreshToken, userId } = await signUp(app);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        i % 2 === 0
          ? app.http('POST', '/v1/auth/token/refresh', { body: { refreshToken } }).then((r) => ({ ok: r.status === 200, token: r.body?.refreshToken as string | undefined }))
          : app.auth.call('RefreshTokens', { refreshToken }).then((r) => ({ ok: true, token: r.refreshToken as string }), () => ({ ok: false, token: undefined })),
      ),
    );
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    // Design: a rotated token presented again outside the grace window is theft, so the session ends.
    expect(await app.db.sql('SELECT 1 FROM sessions WHERE user_id = $1', [userId])).toHaveLength(0);
    expect(await validRefreshTokens(app, [refreshToken, winners[0].token!])).toHaveLength(0);
  });
});

type Transport = 'rest' | 'grpc';

/** RefreshTokens on one transport: the new refresh token, or null when refused (401 / UNAUTHENTICATED only). */
async function refreshOn(app: TestApp, via: Transport, refreshToken: string): Promise<string | null> {
  if (via === 'rest') {
    const res = await app.http('POST', '/v1/auth/token/refresh', { body: { refreshToken } });
    if (res.status === 401) return null;
    expect(res.status).toBe(200);
    return res.body.refreshToken as string;
  }
  try {
    return (await app.auth.call('RefreshTokens', { refreshToken })).refreshToken as string;
  } catch (e) {
    expect((e as GrpcError).code).toBe(grpc.status.UNAUTHENTICATED);
    return null;
  }
}

const other = (via: Transport): Transport => (via === 'rest' ? 'grpc' : 'rest');

describe('retired refresh tokens of any age', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp({ REFRESH_REUSE_GRACE_SECONDS: '10' });
  });
  afterAll(async () => {
    await app?.close();
  });

  for (const via of ['rest', 'grpc'] as const) {
    it(`ends the session when a token two rotations old comes back after the grace window (${via})`, async () => {
      const { refreshToken: r0, userId } = await signUp(app);
      const r1 = (await refreshOn(app, via, r0))!;
      const r2 = (await refreshOn(app, via, r1))!;
      expect(r2).toBeTruthy();
      app.clock.advance(11_000);
      expect(await refreshOn(app, via, r0)).toBeNull();
      // The thief's replay ends the session: the current token is dead too, on either transport.
      expect(await app.db.sql('SELECT 1 FROM sessions WHERE user_id = $1', [userId])).toHaveLength(0);
      expect(await refreshOn(app, other(via), r2)).toBeNull();
    });

    it(`keeps the one-back token working inside the grace window and ends the session with it after (${via})`, async () => {
      const { refreshToken: r0, userId } = await signUp(app);
      const r1 = (await refreshOn(app, via, r0))!;
      await refreshOn(app, via, r1);
      const again = await refreshOn(app, via, r1);
      expect(again).toBeTruthy();
      expect(await validRefreshTokens(app, [again!])).toEqual([again]);
      app.clock.advance(11_000);
      expect(await refreshOn(app, other(via), r1)).toBeNull();
      expect(await app.db.sql('SELECT 1 FROM sessions WHERE user_id = $1', [userId])).toHaveLength(0);
      expect(await refreshOn(app, via, again!)).toBeNull();
    });

    it(`refuses an older token inside its own grace window without ending the session (${via})`, async () => {
      const { refreshToken: r0, userId } = await signUp(app);
      const r1 = (await refreshOn(app, via, r0))!;
      const r2 = (await refreshOn(app, via, r1))!;
      expect(await refreshOn(app, via, r0)).toBeNull();
      expect(await app.db.sql('SELECT 1 FROM sessions WHERE user_id = $1', [userId])).toHaveLength(1);
      expect(await refreshOn(app, other(via), r2)).toBeTruthy();
    });

    it(`treats the token a grace-window race displaced as retired too (${via})`, async () => {
      const { refreshToken: r0, userId } = await signUp(app);
      const first = (await refreshOn(app, via, r0))!;
      const second = (await refreshOn(app, other(via), r0))!;
      expect(await validRefreshTokens(app, [first, second])).toEqual([second]);
      app.clock.advance(11_000);
      expect(await refreshOn(app, via, first)).toBeNull();
      expect(await app.db.sql('SELECT 1 FROM sessions WHERE user_id = $1', [userId])).toHaveLength(0);
    });
  }

  it('retires every token 50 parallel refreshes inside the grace window hand out but the last', async () => {
    const { refreshToken: r0, userId } = await signUp(app);
    const issued = await Promise.all(Array.from({ length: 50 }, (_, i) => refreshOn(app, i % 2 ? 'grpc' : 'rest', r0)));
    expect(issued.every(Boolean)).toBe(true);
    const valid = await validRefreshTokens(app, issued as string[]);
    expect(valid).toHaveLength(1);
    // R0 plus the 49 tokens that a later racer displaced.
    const [{ n }] = await app.db.sql<{ n: number }>(
      'SELECT count(*)::int AS n FROM session_retired_tokens t JOIN sessions s ON s.id = t.session_id WHERE s.user_id = $1', [userId]);
    expect(n).toBe(50);
    app.clock.advance(11_000);
    expect(await refreshOn(app, 'rest', issued.find((t) => t !== valid[0])!)).toBeNull();
    expect(await refreshOn(app, 'grpc', valid[0])).toBeNull();
  });

  it('forgets the retired tokens of a session a new sign-in on the device replaced', async () => {
    const email = uniqueEmail('resign');
    const first = await app.http('POST', '/v1/auth/signup', { body: credentials(email, undefined, 'tablet') });
    const r0 = first.body.tokens.refreshToken as string;
    await refreshOn(app, 'rest', (await refreshOn(app, 'grpc', r0))!);
    const again = await app.http('POST', '/v1/auth/authenticate', { body: credentials(email, undefined, 'tablet') });
    expect(again.body.status).toBe('AUTH_STATUS_SUCCESS');
    const userId = again.body.user.userId as string;
    expect(await app.db.sql('SELECT 1 FROM session_retired_tokens t JOIN sessions s ON s.id = t.session_id WHERE s.user_id = $1', [userId])).toHaveLength(0);
    app.clock.advance(11_000);
    // A token of the replaced session is unknown now: refused, and the new session lives on.
    expect(await refreshOn(app, 'grpc', r0)).toBeNull();
    expect(await refreshOn(app, 'rest', again.body.tokens.refreshToken)).toBeTruthy();
  });

  it('keeps retired tokens only as SHA-256 hashes and drops them with their session', async () => {
    const { refreshToken: r0, accessToken, userId } = await signUp(app);
    const r1 = (await refreshOn(app, 'rest', r0))!;
    await refreshOn(app, 'grpc', r1);
    const retired = await app.db.sql<{ token_hash: Buffer }>(
      `SELECT t.token_hash FROM session_retired_tokens t JOIN sessions s ON s.id = t.session_id WHERE s.user_id = $1`, [userId]);
    expect(retired.map((r) => r.token_hash.length)).toEqual([32, 32]);
    expect(JSON.stringify(retired)).not.toContain(r0);
    expect((await app.http('POST', '/v1/auth/signout', { token: accessToken })).status).toBe(204);
    expect(await app.db.sql(`SELECT 1 FROM session_retired_tokens WHERE token_hash IN (sha256(convert_to($1, 'UTF8')), sha256(convert_to($2, 'UTF8')))`, [r0, r1])).toHaveLength(0);
  });
});

describe('absolute session lifetime', () => {
  const DAY = 86_400_000;
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  for (const via of ['rest', 'grpc'] as const) {
    it(`ends a session refreshed every month at created + SESSION_MAX_LIFETIME_DAYS (180) (${via})`, async () => {
      const { refreshToken, userId } = await signUp(app);
      const [{ created_at: createdAt }] = await app.db.sql<{ created_at: Date }>('SELECT created_at FROM sessions WHERE user_id = $1', [userId]);
      const end = createdAt.getTime() + 180 * DAY;
      let token = refreshToken;
      for (let month = 1; month <= 5; month++) {
        app.clock.advance(30 * DAY);
        token = (await refreshOn(app, month % 2 ? via : other(via), token))!;
        expect(token).toBeTruthy();
      }
      // Five months in, a refresh would slide to 240 days; the cap holds it at 180.
      const [row] = await app.db.sql<{ expires_at: Date }>('SELECT expires_at FROM sessions WHERE user_id = $1', [userId]);
      expect(row.expires_at.getTime()).toBe(end);

      app.clock.set(new Date(end - 30 * 60_000));
      const last = via === 'rest'
        ? (await app.http('POST', '/v1/auth/token/refresh', { body: { refreshToken: token } })).body
        : await app.auth.call('RefreshTokens', { refreshToken: token });
      expect(last.refreshToken).toBeTruthy();
      const [after] = await app.db.sql<{ expires_at: Date }>('SELECT expires_at FROM sessions WHERE user_id = $1', [userId]);
      expect(after.expires_at.getTime()).toBe(end);

      app.clock.set(new Date(end + 1_000));
      // The access token itself is still inside its 60 minutes; the session is over.
      expect((await app.http('GET', '/v1/auth/credentials', { token: last.accessToken })).status).toBe(401);
      const err = (await app.auth.call('ValidateCredentials', {}, bearer(last.accessToken)).catch((e: GrpcError) => e)) as GrpcError;
      expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(await refreshOn(app, via, last.refreshToken)).toBeNull();
      expect(await refreshOn(app, other(via), last.refreshToken)).toBeNull();
    });
  }

  it('computes the end of existing sessions from their created_at', async () => {
    const { refreshToken, userId } = await signUp(app);
    const now = app.clock.now().getTime();
    // A row from before the limit existed: created 181 days ago, expiry slid into the future.
    await app.db.sql('UPDATE sessions SET created_at = $2, expires_at = $3 WHERE user_id = $1', [userId, new Date(now - 181 * DAY), new Date(now + 30 * DAY)]);
    expect(await refreshOn(app, 'rest', refreshToken)).toBeNull();
    expect(await refreshOn(app, 'grpc', refreshToken)).toBeNull();

    const young = await signUp(app);
    await app.db.sql('UPDATE sessions SET created_at = $2, expires_at = $3 WHERE user_id = $1', [young.userId, new Date(now - 170 * DAY), new Date(now + 30 * DAY)]);
    expect(await refreshOn(app, 'grpc', young.refreshToken)).toBeTruthy();
    const [row] = await app.db.sql<{ expires_at: Date }>('SELECT expires_at FROM sessions WHERE user_id = $1', [young.userId]);
    expect(row.expires_at.getTime()).toBe(now + 10 * DAY);
  });
});
