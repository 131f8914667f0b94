import { randomBytes, randomUUID } from 'node:crypto';
import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { clientInfo, credentials, forGrpc, PASSWORD, uniqueEmail } from '../support/factories';
import { grpcClient } from '../support/grpc-client';

const MAX = 5;
const LOCKOUT_MS = 15 * 60_000;

let counter = 0;
function newPhone(): string {
  counter += 1;
  return `+4915${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}${counter % 10}`;
}
function newRobloxId(): string {
  counter += 1;
  return String(6_000_000_000 + Math.floor(Math.random() * 1_000_000) * 1000 + counter);
}

/**
 * One account, one counter: an attacker who knows several identifiers of one account
 * (email, phone, Roblox id) must not get the threshold of guesses per identifier. Every
 * password guess counts under its identifier and under the account.
 */
describe('lockout per account across its identifiers (threshold 5)', () => {
  let app: TestApp;
  let roblox: ReturnType<typeof grpcClient>;
  beforeAll(async () => {
    app = await bootTestApp({ MAX_FAILED_LOGIN_ATTEMPTS: String(MAX), LOCKOUT_DURATION_MINUTES: '15' });
    roblox = grpcClient(app.grpcAddress, 'roblox.v1');
  });
  afterAll(async () => {
    roblox?.close();
    await app?.close();
  });

  /** An account with an email, a phone and a Roblox id (no API sets all three: the row is edited). */
  async function accountWithThreeIdentifiers(prefix: string) {
    const email = uniqueEmail(prefix);
    const res = await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    expect(res.body.status).toBe('AUTH_STATUS_SUCCESS');
    const userId = res.body.user.userId as string;
    const phone = newPhone();
    const robloxUserId = newRobloxId();
    await app.db.sql(
      `UPDATE users SET phone = $2, roblox_user_id = $3, roblox_username = $4, roblox_linked_at = now() WHERE id = $1`,
      [userId, phone, robloxUserId, `dev_${robloxUserId}`],
    );
    return { userId, email, phone, robloxUserId };
  }

  type Account = Awaited<ReturnType<typeof accountWithThreeIdentifiers>>;
  type Via = 'email' | 'phone' | 'roblox';

  /** One sign-in by one identifier over one transport; answers the AuthResponse body. */
  async function signIn(account: Account, via: Via, password: string, grpc: boolean): Promise<Record<string, any>> {
    if (via === 'roblox') {
      const body = { robloxUserId: account.robloxUserId, password, installationId: randomUUID(), clientInfo: clientInfo() };
      return grpc
        ? roblox.call('SignInWithRoblox', { ...body, installationId: { value: body.installationId } })
        : app.http('POST', '/v1/roblox/signin', { body }).then((r) => r.body);
    }
    const body = credentials(account[via], password);
    return grpc ? app.auth.call('Authenticate', forGrpc(body)) : app.http('POST', '/v1/auth/authenticate', { body }).then((r) => r.body);
  }

  const VIAS: Via[] = ['email', 'phone', 'roblox'];

  it('signs in by each of the three identifiers (the setup works)', async () => {
    const account = await accountWithThreeIdentifiers('three-ok');
    for (const [i, via] of VIAS.entries()) {
      const res = await signIn(account, via, PASSWORD, i % 2 === 1);
      expect(res.status, via).toBe('AUTH_STATUS_SUCCESS');
      // REST spells core.v1.UUID as a string, gRPC as a message.
      expect(res.user.userId.value ?? res.user.userId).toBe(account.userId);
    }
  });

  it('30 parallel wrong passwords spread over email, phone and Roblox id judge at most 5, and lock all three', async () => {
    const account = await accountWithThreeIdentifiers('three-burst');
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => signIn(account, VIAS[i % 3]!, `wrong-password-${i}`, Math.floor(i / 3) % 2 === 1)),
    );
    const statuses = answers.map((a) => a.status as string);
    expect(statuses.filter((s) => s !== 'AUTH_STATUS_LOCKED' && s !== 'AUTH_STATUS_FAILED')).toEqual([]);
    const judged = statuses.filter((s) => s !== 'AUTH_STATUS_LOCKED');
    expect(judged.length).toBeLessThanOrEqual(MAX);
    // Exactly the threshold judged: MAX - 1 FAILED, the MAX-th answers LOCKED itself.
    expect(judged).toHaveLength(MAX - 1);
    const [row] = await app.db.sql('SELECT failed_attempts, locked_until FROM login_attempts WHERE identifier = $1', [`user:${account.userId}`]);
    expect(row.failed_attempts).toBe(MAX);
    expect(row.locked_until.getTime()).toBe(app.clock.now().getTime() + LOCKOUT_MS);

    // The right password by any identifier, on either transport, answers LOCKED.
    for (const via of VIAS) {
      for (const grpc of [false, true]) {
        const res = await signIn(account, via, PASSWORD, grpc);
        expect(res.status, `${via} ${grpc ? 'gRPC' : 'REST'}`).toBe('AUTH_STATUS_LOCKED');
      }
    }
  });

  it('sequential: 2 wrong by email, 2 by phone, 1 by Roblox id lock the account; the lock ends after the lockout', async () => {
    const account = await accountWithThreeIdentifiers('three-seq');
    const answers: string[] = [];
    const order: [Via, boolean][] = [['email', false], ['email', true], ['phone', false], ['phone', true], ['roblox', false]];
    for (const [via, grpc] of order) answers.push((await signIn(account, via, 'wrong-password-9', grpc)).status);
    expect(answers).toEqual(['AUTH_STATUS_FAILED', 'AUTH_STATUS_FAILED', 'AUTH_STATUS_FAILED', 'AUTH_STATUS_FAILED', 'AUTH_STATUS_LOCKED']);

    for (const via of VIAS) {
      const rest = await signIn(account, via, PASSWORD, false);
      expect(rest.status, via).toBe('AUTH_STATUS_LOCKED');
      expect(rest.lockoutInfo).toMatchObject({ failedAttempts: MAX, maxAttempts: MAX, retryAfter: '900s' });
      const grpc = await signIn(account, via, PASSWORD, true);
      expect(grpc.status, via).toBe('AUTH_STATUS_LOCKED');
      expect(Number(grpc.lockoutInfo.retryAfter.seconds)).toBe(900);
    }

    app.clock.advance(LOCKOUT_MS + 1);
    expect((await signIn(account, 'phone', PASSWORD, true)).status).toBe('AUTH_STATUS_SUCCESS');
    // A successful sign-in clears the account's count along with the identifier's.
    expect(await app.db.sql('SELECT identifier FROM login_attempts WHERE identifier = ANY($1)', [[`user:${account.userId}`, `phone:${account.phone}`]])).toEqual([]);
  });

  it('a wrong password by one identifier is not forgotten when another identifier is used: the count is the account\'s', async () => {
    const account = await accountWithThreeIdentifiers('three-mix');
    for (let i = 0; i < MAX - 1; i++) {
      expect((await signIn(account, VIAS[i % 3]!, 'wrong-password-9', i % 2 === 0)).status).toBe('AUTH_STATUS_FAILED');
    }
    // The MAX-th failure, by an identifier that has seen only one, reaches the threshold.
    const last = await signIn(account, 'phone', 'wrong-password-9', true);
    expect(last.status).toBe('AUTH_STATUS_LOCKED');
    expect(Number(last.lockoutInfo.failedAttempts)).toBe(MAX);
  });

  it('an unknown identifier still locks on its own counter, with the same answers as a known one', async () => {
    const account = await accountWithThreeIdentifiers('three-enum');
    const unknownPhone = { ...account, phone: newPhone() };
    const burst = (a: Account) =>
      Promise.all(Array.from({ length: MAX + 3 }, (_, i) => signIn(a, 'phone', 'wrong-password-9', i % 2 === 1)));
    const known = await burst(account);
    const unknown = await burst(unknownPhone);
    const shape = (answers: Record<string, any>[]) => answers.map((a) => a.status as string).sort();
    expect(shape(unknown)).toEqual(shape(known));
    expect(shape(known).filter((s) => s === 'AUTH_STATUS_FAILED')).toHaveLength(MAX - 1);

    const lockedKnown = await signIn(account, 'phone', PASSWORD, false);
    const lockedUnknown = await signIn(unknownPhone, 'phone', PASSWORD, false);
    expect(lockedKnown.status).toBe('AUTH_STATUS_LOCKED');
    expect(Object.keys(lockedUnknown).sort()).toEqual(Object.keys(lockedKnown).sort());
    expect(lockedUnknown.lockoutInfo).toEqual(lockedKnown.lockoutInfo);
  });
});

/**
 * The counters under a mixed burst: reservations of two identifiers' keys and the account
 * key, racing the release of a TOTP user's right passwords (their attempt is given back).
 * The counts must come out exact, and no statement may fail (e.g. on a deadlock).
 */
describe('account and identifier counters under 80 parallel sign-ins of a TOTP user', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp({ MFA_ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64url')}`, MAX_FAILED_LOGIN_ATTEMPTS: '1000' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('counts exactly the wrong ones, per identifier and for the account', async () => {
    const email = uniqueEmail('mixed');
    const res = await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    const token = res.body.tokens.accessToken as string;
    const userId = res.body.user.userId as string;
    const setup = await app.http('POST', '/v1/auth/mfa/setup', { token, body: {} });
    const code = generateSync({ secret: setup.body.secret, epoch: Math.floor(app.clock.now().getTime() / 1000) });
    expect((await app.http('POST', '/v1/auth/mfa/setup/confirm', { token, body: { setupToken: setup.body.setupToken, code } })).status).toBe(200);
    const phone = newPhone();
    await app.db.sql('UPDATE users SET phone = $2 WHERE id = $1', [userId, phone]);

    const answers = await Promise.all(Array.from({ length: 80 }, (_, i) => {
      const body = credentials(i % 2 ? email : phone, i % 3 ? PASSWORD : 'wrong-password-1');
      return i % 4 < 2
        ? app.http('POST', '/v1/auth/authenticate', { body }).then((r) => (r.body.status ?? `HTTP ${r.status}`) as string)
        : app.auth.call('Authenticate', forGrpc(body)).then((r) => r.status as string, (e: Error) => e.message);
    }));
    const wrong = Array.from({ length: 80 }, (_, i) => i).filter((i) => i % 3 === 0);
    expect(answers.filter((a) => a === 'AUTH_STATUS_FAILED')).toHaveLength(wrong.length);
    expect(answers.filter((a) => a === 'AUTH_STATUS_MFA_REQUIRED')).toHaveLength(80 - wrong.length);

    const counts = await app.db.sql<{ identifier: string; failed_attempts: number }>(
      'SELECT identifier, failed_attempts FROM login_attempts WHERE identifier = ANY($1) ORDER BY identifier',
      [[`email:${email}`, `phone:${phone}`, `user:${userId}`]],
    );
    expect(counts).toEqual([
      { identifier: `email:${email}`, failed_attempts: wrong.filter((i) => i % 2 === 1).length },
      { identifier: `phone:${phone}`, failed_attempts: wrong.filter((i) => i % 2 === 0).length },
      { identifier: `user:${userId}`, failed_attempts: wrong.length },
    ]);
  });
});
