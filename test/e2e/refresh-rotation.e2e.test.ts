import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { type GrpcError, grpc } from '../support/grpc-client';
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
