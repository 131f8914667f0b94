import { createHash, randomBytes } from 'node:crypto';
import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestAppOn, type TestApp } from '../support/app';
import { credentials, PASSWORD, uniqueEmail } from '../support/factories';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { ManualClock } from '../../src/common/clock';

const OLD_KEY = `old:${randomBytes(32).toString('base64')}`;
const NEW_KEY = `new:${randomBytes(32).toString('base64url')}`;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();
const normalized = (code: string) => code.replace(/-/g, '');

/**
 * Recovery codes at rest (ASVS 2.6.2): whoever reads mfa_recovery_codes must not be able
 * to enumerate the 60-bit codes offline, so new ones are stored as a keyed MAC; codes of
 * the plain-SHA-256 era keep working until used or regenerated; key rotation keeps
 * every stored code usable while its key is listed.
 */
describe('recovery codes at rest', () => {
  let db: TestDatabase;
  let app: TestApp;
  const clock = new ManualClock(new Date());
  beforeAll(async () => {
    db = await createTestDatabase();
    app = await bootTestAppOn(db, { MFA_ENCRYPTION_KEY: OLD_KEY, MAX_FAILED_LOGIN_ATTEMPTS: '50' }, { clock });
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const totp = (secret: string) => generateSync({ secret, epoch: Math.floor(clock.now().getTime() / 1000) });

  async function enrolled(prefix: string) {
    const email = uniqueEmail(prefix);
    const signUp = await app.http('POST', '/v1/auth/signup', { body: credentials(email, PASSWORD, 'phone') });
    const token = signUp.body.tokens.accessToken as string;
    const setup = await app.http('POST', '/v1/auth/mfa/setup', { token, body: {} });
    const confirm = await app.http('POST', '/v1/auth/mfa/setup/confirm', { token, body: { setupToken: setup.body.setupToken, code: totp(setup.body.secret) } });
    expect(confirm.body.success.recoveryCodes).toHaveLength(10);
    clock.advance(30_000);
    return { email, userId: signUp.body.user.userId as string, codes: confirm.body.success.recoveryCodes as string[] };
  }

  async function signInWith(email: string, code: string, transport: 'rest' | 'grpc', device = 'laptop'): Promise<string> {
    const auth = await app.http('POST', '/v1/auth/authenticate', { body: credentials(email, PASSWORD, device) });
    expect(auth.body.status).toBe('AUTH_STATUS_MFA_REQUIRED');
    const challengeToken = auth.body.mfaChallenge.challengeToken as string;
    if (transport === 'rest') {
      return (await app.http('POST', '/v1/auth/mfa/verify', { body: { challengeToken, method: 'MFA_METHOD_RECOVERY_CODE', code } })).body.status;
    }
    return (await app.auth.call('VerifyMfa', { challengeToken, method: 'MFA_METHOD_RECOVERY_CODE', code })).status;
  }

  it('stores new codes as HMAC-SHA-256 under the newest MFA key, never as their SHA-256', async () => {
    const user = await enrolled('new-scheme');
    const rows = await db.sql<{ code_hash: Buffer; scheme: string; key_id: string | null }>(
      'SELECT code_hash, scheme, key_id FROM mfa_recovery_codes WHERE user_id = $1', [user.userId]);
    expect(rows).toHaveLength(10);
    const plain = new Set(user.codes.map((c) => sha256(normalized(c)).toString('hex')));
    for (const r of rows) {
      expect(r).toMatchObject({ scheme: 'hmac-sha256', key_id: 'old' });
      expect(r.code_hash).toHaveLength(32);
      expect(plain.has(r.code_hash.toString('hex'))).toBe(false);
    }
    expect(await signInWith(user.email, user.codes[0], 'rest')).toBe('AUTH_STATUS_SUCCESS');
    expect(await signInWith(user.email, user.codes[0], 'grpc')).toBe('AUTH_STATUS_FAILED');
  });

  it('still accepts a code stored under the old scheme (plain SHA-256), once, on either transport', async () => {
    const user = await enrolled('legacy');
    // Rows as the previous release wrote them: no scheme named, so the migration's default applies.
    const legacy = ['abcd-efgh-2345', 'qrst-uvwx-7777', 'mnop-2345-zzzz'];
    await db.sql('DELETE FROM mfa_recovery_codes WHERE user_id = $1', [user.userId]);
    for (const code of legacy) {
      await db.sql('INSERT INTO mfa_recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, now())', [user.userId, sha256(normalized(code))]);
    }
    expect((await db.sql<{ scheme: string }>('SELECT DISTINCT scheme FROM mfa_recovery_codes WHERE user_id = $1', [user.userId])).map((r) => r.scheme)).toEqual(['sha256']);

    expect(await signInWith(user.email, legacy[0], 'grpc')).toBe('AUTH_STATUS_SUCCESS');
    expect(await signInWith(user.email, legacy[0], 'rest')).toBe('AUTH_STATUS_FAILED');
    expect(await signInWith(user.email, legacy[1].toUpperCase(), 'rest')).toBe('AUTH_STATUS_SUCCESS');
    expect(await signInWith(user.email, legacy[1], 'grpc')).toBe('AUTH_STATUS_FAILED');
    // A MAC of a legacy code is not the legacy row: the scheme of the row decides.
    const [left] = await db.sql<{ n: number }>('SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL', [user.userId]);
    expect(left.n).toBe(1);

    // One legacy code, five parallel sign-ins: spent once.
    const outcomes = await Promise.all(Array.from({ length: 5 }, (_, i) => signInWith(user.email, legacy[2], i % 2 ? 'grpc' : 'rest', `race-${i}`)));
    expect(outcomes.filter((o) => o === 'AUTH_STATUS_SUCCESS')).toHaveLength(1);
  });

  it('keeps codes usable across an MFA_ENCRYPTION_KEY rotation while the old key is listed', async () => {
    const user = await enrolled('rotation');
    await app.close();
    app = await bootTestAppOn(db, { MFA_ENCRYPTION_KEY: `${NEW_KEY},${OLD_KEY}`, MAX_FAILED_LOGIN_ATTEMPTS: '50' }, { clock });

    expect(await signInWith(user.email, user.codes[0], 'rest')).toBe('AUTH_STATUS_SUCCESS');
    expect(await signInWith(user.email, user.codes[0], 'grpc')).toBe('AUTH_STATUS_FAILED');

    // Codes issued now are written under the newest key.
    const fresh = await enrolled('rotation-new');
    const keys = await db.sql<{ key_id: string }>('SELECT DISTINCT key_id FROM mfa_recovery_codes WHERE user_id = $1', [fresh.userId]);
    expect(keys.map((k) => k.key_id)).toEqual(['new']);
    expect(await signInWith(fresh.email, fresh.codes[3], 'grpc')).toBe('AUTH_STATUS_SUCCESS');
  });
});
