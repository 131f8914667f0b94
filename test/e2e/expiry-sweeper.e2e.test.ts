import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExpirySweeper } from '../../src/common/maintenance/expiry-sweeper';
import { bootTestApp, type TestApp } from '../support/app';
import { credentials, uniqueEmail } from '../support/factories';

const DAY = 86_400_000;

describe('periodic cleanup of expired rows', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('deletes expired sessions, old tokens, challenges, codes and stale counters, and keeps live ones', async () => {
    const live = await app.http('POST', '/v1/auth/signup', { body: credentials(uniqueEmail('live')) });
    const gone = await app.http('POST', '/v1/auth/signup', { body: credentials(uniqueEmail('gone')) });
    const [liveId, goneId] = [live.body.user.userId, gone.body.user.userId];
    const now = app.clock.now();
    const old = new Date(now.getTime() - 8 * DAY);
    await app.db.sql('UPDATE sessions SET expires_at = $2 WHERE user_id = $1', [goneId, new Date(now.getTime() - 1000)]);
    await app.db.sql(`INSERT INTO password_reset_tokens (user_id, token_hash, expires_at) VALUES ($1, sha256('a'), $2), ($1, sha256('b'), $3)`, [goneId, old, new Date(now.getTime() + DAY)]);
    await app.db.sql(`INSERT INTO roblox_verification_codes (roblox_user_id, code_hash, created_at, expires_at) VALUES (42, sha256('c'), $1, $1), (43, sha256('d'), $2, $3)`, [old, now, new Date(now.getTime() + DAY)]);
    await app.db.sql(`INSERT INTO login_attempts (identifier, failed_attempts, last_failed_at) VALUES ('email:stale@example.com', 2, $1), ('email:fresh@example.com', 2, $2)`, [old, now]);

    const deleted = await app.running.app.get(ExpirySweeper).runOnce();
    expect(deleted).toMatchObject({ sessions: 1, 'email and reset tokens': 1, 'Roblox verification codes': 1, 'sign-in failure counters': 1 });
    expect(await app.db.sql('SELECT 1 FROM sessions WHERE user_id = $1', [liveId])).toHaveLength(1);
    expect(await app.db.sql('SELECT 1 FROM sessions WHERE user_id = $1', [goneId])).toHaveLength(0);
    expect(await app.db.sql('SELECT 1 FROM password_reset_tokens WHERE user_id = $1', [goneId])).toHaveLength(1);
    expect((await app.db.sql<{ roblox_user_id: string }>('SELECT roblox_user_id FROM roblox_verification_codes')).map((r) => String(r.roblox_user_id))).toEqual(['43']);
    expect((await app.db.sql<{ identifier: string }>('SELECT identifier FROM login_attempts')).map((r) => r.identifier)).toEqual(['email:fresh@example.com']);
  });
});
