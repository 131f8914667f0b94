import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { credentials, forGrpc, uniqueEmail } from '../support/factories';

const MAX = 5;

describe('lockout', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp({ MAX_FAILED_LOGIN_ATTEMPTS: String(MAX), LOCKOUT_DURATION_MINUTES: '15' });
  });
  afterAll(async () => {
    await app?.close();
  });

  async function parallelWrongPasswords(identifier: string, n: number) {
    return Promise.all(
      Array.from({ length: n }, (_, i) =>
        i % 2 === 0
          ? app.http('POST', '/v1/auth/authenticate', { body: credentials(identifier, 'wrong-password-9') }).then((r) => r.body)
          : app.auth.call('Authenticate', forGrpc(credentials(identifier, 'wrong-password-9'))),
      ),
    );
  }

  it('locks after exactly the threshold under 50 parallel wrong passwords', async () => {
    const email = uniqueEmail('lock');
    await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    const answers = await parallelWrongPasswords(email, 50);
    expect(answers.filter((a) => a.status === 'AUTH_STATUS_FAILED')).toHaveLength(MAX - 1);
    expect(answers.filter((a) => a.status === 'AUTH_STATUS_LOCKED')).toHaveLength(50 - (MAX - 1));
    const [row] = await app.db.sql('SELECT failed_attempts, locked_until FROM login_attempts WHERE identifier = $1', [`email:${email}`]);
    expect(row.failed_attempts).toBe(MAX);
    expect(row.locked_until.getTime()).toBe(app.clock.now().getTime() + 15 * 60_000);
  });

  it('rejects even the right password while locked, with a filled lockout_info, then accepts it after the lock', async () => {
    const email = uniqueEmail('lock2');
    await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    await parallelWrongPasswords(email, MAX);
    const locked = await app.http('POST', '/v1/auth/authenticate', { body: credentials(email) });
    expect(locked.body.status).toBe('AUTH_STATUS_LOCKED');
    expect(locked.body.lockoutInfo).toMatchObject({ failedAttempts: MAX, maxAttempts: MAX, retryAfter: '900s' });
    expect(Date.parse(locked.body.lockoutInfo.lockedUntil)).toBe(app.clock.now().getTime() + 900_000);
    const viaGrpc = await app.auth.call('Authenticate', forGrpc(credentials(email)));
    expect(viaGrpc.status).toBe('AUTH_STATUS_LOCKED');
    expect(Number(viaGrpc.lockoutInfo.retryAfter.seconds)).toBe(900);

    app.clock.advance(15 * 60_000 + 1);
    const after = await app.http('POST', '/v1/auth/authenticate', { body: credentials(email) });
    expect(after.body.status).toBe('AUTH_STATUS_SUCCESS');
    expect(await app.db.sql('SELECT 1 FROM login_attempts WHERE identifier = $1', [`email:${email}`])).toHaveLength(0);
  });

  it('restarts the count after a lock expires', async () => {
    const email = uniqueEmail('lock3');
    await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    await parallelWrongPasswords(email, MAX);
    app.clock.advance(15 * 60_000 + 1);
    const next = await app.http('POST', '/v1/auth/authenticate', { body: credentials(email, 'wrong-password-9') });
    expect(next.body.status).toBe('AUTH_STATUS_FAILED');
    const [row] = await app.db.sql('SELECT failed_attempts, locked_until FROM login_attempts WHERE identifier = $1', [`email:${email}`]);
    expect(row).toMatchObject({ failed_attempts: 1, locked_until: null });
  });

  it('locks an unknown identifier exactly like a known one', async () => {
    const known = uniqueEmail('known');
    const unknown = uniqueEmail('unknown');
    await app.http('POST', '/v1/auth/signup', { body: credentials(known) });
    const a = await parallelWrongPasswords(known, MAX + 2);
    const b = await parallelWrongPasswords(unknown, MAX + 2);
    const shape = (answers: any[]) => answers.map((x) => x.status).sort();
    expect(shape(b)).toEqual(shape(a));
    const lockedKnown = await app.http('POST', '/v1/auth/authenticate', { body: credentials(known) });
    const lockedUnknown = await app.http('POST', '/v1/auth/authenticate', { body: credentials(unknown) });
    expect(Object.keys(lockedUnknown.body).sort()).toEqual(Object.keys(lockedKnown.body).sort());
    expect(lockedUnknown.body.lockoutInfo).toEqual(lockedKnown.body.lockoutInfo);
  });
});

describe('lockout under a burst that includes the right password', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp({ MAX_FAILED_LOGIN_ATTEMPTS: '3', HASH_CONCURRENCY: '1' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('does not let the right password succeed after racing wrong ones have locked the identifier', async () => {
    const email = uniqueEmail('burst');
    await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    // 12 wrong guesses, then the right one last: the wrong ones are verified first
    // (one hash at a time), lock the key, and the right one must then be refused.
    const wrong = Array.from({ length: 12 }, () => app.http('POST', '/v1/auth/authenticate', { body: credentials(email, 'wrong-password-9') }));
    await new Promise((r) => setTimeout(r, 50));
    const right = app.http('POST', '/v1/auth/authenticate', { body: credentials(email) });
    const answers = await Promise.all([...wrong, right]);
    expect((await right).body.status).toBe('AUTH_STATUS_LOCKED');
    expect(answers.filter((a) => a.body.status === 'AUTH_STATUS_SUCCESS')).toHaveLength(0);
  });
});
