import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../../src/paths';
import { PasswordHasher } from '../../src/modules/credentials/password-hasher';
import { BackgroundTasks } from '../../src/modules/recovery/background-tasks';
import { bootTestApp, type TestApp } from '../support/app';
import { bearer, grpc, type GrpcError } from '../support/grpc-client';
import { credentials, forGrpc, PASSWORD, uniqueEmail } from '../support/factories';
import { signUpAs, type Account } from '../support/users';

/** The fullwidth twin (U+FF01..U+FF5E) of every printable ASCII character of `s`: NFKC maps it back. */
const fullwidth = (s: string) => s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

const grpcError = (p: Promise<unknown>) =>
  p.then(() => { throw new Error('expected a gRPC error'); }, (e: GrpcError) => e);
const restFields = (body: any): string[] =>
  body.error.details.find((d: any) => d['@type'].endsWith('BadRequest')).fieldViolations.map((v: any) => v.field);

// Format (Cf) and control (Cc) characters that make an address look like another one.
const INVISIBLES = [
  ['zero-width space', '\u200B'],
  ['zero-width joiner', '\u200D'],
  ['byte order mark', '\uFEFF'],
  ['right-to-left override', '\u202E'],
  ['soft hyphen', '\u00AD'],
  ['escape', '\u001B'],
] as const;

describe('look-alike email identifiers are one account (NFKC + lower case, no invisible characters)', () => {
  let app: TestApp;
  let admin: Account;
  beforeAll(async () => {
    app = await bootTestApp();
    admin = await signUpAs(app, 'admin', 'lookalike-admin');
  });
  afterAll(async () => {
    await app?.close();
  });

  const signIn = async (identifier: string, via: 'rest' | 'grpc') => {
    const body = credentials(identifier);
    if (via === 'rest') return (await app.http('POST', '/v1/auth/authenticate', { body })).body;
    return app.auth.call('Authenticate', forGrpc(body));
  };

  it('signs in to admin@... with its fullwidth form, on both transports', async () => {
    const email = uniqueEmail('admin');
    const signUp = await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    expect(signUp.status).toBe(200);
    const userId = signUp.body.user.userId;
    for (const variant of [`ａ${email.slice(1)}`, fullwidth(email), fullwidth(email.toUpperCase())]) {
      const rest = await signIn(variant, 'rest');
      expect(rest.status).toBe('AUTH_STATUS_SUCCESS');
      expect(rest.user.userId).toBe(userId);
      const viaGrpc = await signIn(variant, 'grpc');
      expect(viaGrpc.status).toBe('AUTH_STATUS_SUCCESS');
      expect(viaGrpc.user.userId.value).toBe(userId);
    }
    expect(await app.db.sql('SELECT email FROM users WHERE id = $1', [userId])).toEqual([{ email }]);
  });

  it('refuses other spellings of the same mailbox (trailing dot, quoted local part, <...>, IP literal) on both transports, naming the field', async () => {
    const email = uniqueEmail('victim');
    expect((await app.http('POST', '/v1/auth/signup', { body: credentials(email) })).status).toBe(200);
    const [local, domain] = email.split('@');
    for (const variant of [`${email}.`, `"${local}"@${domain}`, `<${email}>`, `${local}@[127.0.0.1]`, `${local}..x@${domain}`]) {
      const rest = await app.http('POST', '/v1/auth/signup', { body: credentials(variant, 'squat-pass-1') });
      expect(rest.status, variant).toBe(400);
      expect(JSON.stringify(rest.body.error.details)).toContain('"field":"identifier"');
      const err = await app.auth.call('SignUp', forGrpc(credentials(variant, 'squat-pass-1'))).catch((e: GrpcError) => e);
      expect((err as GrpcError).code, variant).toBe(3);
    }
    expect(await app.db.sql('SELECT 1 FROM users WHERE email LIKE $1', [`%${local}%`])).toHaveLength(1);
  });

  it('answers a sign-up with the fullwidth form of a taken address exactly like the plain duplicate', async () => {
    const email = uniqueEmail('taken');
    expect((await app.http('POST', '/v1/auth/signup', { body: credentials(email) })).status).toBe(200);

    const plain = await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    const twin = await app.http('POST', '/v1/auth/signup', { body: credentials(fullwidth(email)) });
    expect(plain.status).toBe(409);
    expect(twin.status).toBe(plain.status);
    expect(twin.body).toEqual(plain.body);

    const plainGrpc = await grpcError(app.auth.call('SignUp', forGrpc(credentials(email))));
    const twinGrpc = await grpcError(app.auth.call('SignUp', forGrpc(credentials(`ｔ${email.slice(1)}`))));
    expect(plainGrpc.code).toBe(grpc.status.ALREADY_EXISTS);
    expect([twinGrpc.code, twinGrpc.details, twinGrpc.reason]).toEqual([plainGrpc.code, plainGrpc.details, plainGrpc.reason]);

    const folded = await app.db.sql(`SELECT email FROM users WHERE lower(normalize(email, NFKC)) = $1`, [email]);
    expect(folded).toEqual([{ email }]);
  });

  it('stores a new sign-up in its folded form, so the plain form finds it', async () => {
    const email = uniqueEmail('fresh');
    const res = await app.auth.call('SignUp', forGrpc(credentials(fullwidth(email.toUpperCase()))));
    expect(res.user.email).toBe(email);
    expect((await signIn(email, 'rest')).status).toBe('AUTH_STATUS_SUCCESS');
  });

  it.each(INVISIBLES)('refuses an identifier with a %s as a field error on both transports', async (_, invisible) => {
    const email = uniqueEmail('zw');
    const tricked = `${email.slice(0, 2)}${invisible}${email.slice(2)}`;
    expect((await app.http('POST', '/v1/auth/signup', { body: credentials(email) })).status).toBe(200);

    for (const route of ['/v1/auth/authenticate', '/v1/auth/signup']) {
      const rest = await app.http('POST', route, { body: credentials(tricked) });
      expect(rest.status, route).toBe(400);
      expect(rest.body.error.status).toBe('INVALID_ARGUMENT');
      expect(restFields(rest.body)).toEqual(['identifier']);
    }
    const start = await app.http('POST', '/v1/auth/recovery/start', { body: { identifier: tricked } });
    expect(start.status).toBe(400);
    expect(restFields(start.body)).toEqual(['identifier']);

    for (const method of ['Authenticate', 'SignUp']) {
      const err = await grpcError(app.auth.call(method, forGrpc(credentials(tricked))));
      expect(err.code, method).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.fieldViolations.map((v) => v.field)).toEqual(['identifier']);
    }
    const startGrpc = await grpcError(app.auth.call('RecoveryStart', { identifier: tricked }));
    expect(startGrpc.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(startGrpc.fieldViolations.map((v) => v.field)).toEqual(['identifier']);
    expect(await app.db.sql('SELECT 1 FROM users WHERE email = $1', [tricked])).toEqual([]);
  });

  it('sends the reset link of RecoveryStart with a fullwidth address to the account it folds to', async () => {
    const email = uniqueEmail('recover');
    expect((await app.http('POST', '/v1/auth/signup', { body: credentials(email) })).status).toBe(200);
    expect((await app.http('POST', '/v1/auth/recovery/start', { body: { identifier: fullwidth(email) } })).status).toBe(204);
    expect(await app.auth.call('RecoveryStart', { identifier: `ｒ${email.slice(1)}` })).toEqual({});
    await app.running.app.get(BackgroundTasks).drain();
    const resets = await app.db.sql(`SELECT recipient FROM mail_outbox WHERE template = 'password-reset' AND recipient = $1`, [email]);
    expect(resets).toHaveLength(2);
  });

  it('normalises the email of CreateUser and UpdateUser and refuses invisible characters, naming `email`', async () => {
    const taken = await signUpAs(app, undefined, 'admin-taken');
    const dup = await app.http('POST', '/v1/users', { token: admin.accessToken, body: { email: fullwidth(taken.email) } });
    expect(dup.status).toBe(409);
    const dupGrpc = await grpcError(app.users.call('CreateUser', { email: `ａ${taken.email.slice(1)}` }, bearer(admin.accessToken)));
    expect(dupGrpc.code).toBe(grpc.status.ALREADY_EXISTS);

    const email = uniqueEmail('created');
    const created = await app.users.call('CreateUser', { email: fullwidth(email) }, bearer(admin.accessToken));
    expect(created.email).toBe(email);

    const zw = `x\u200B${uniqueEmail('zw-admin')}`;
    const rest = await app.http('POST', '/v1/users', { token: admin.accessToken, body: { email: zw } });
    expect(rest.status).toBe(400);
    expect(restFields(rest.body)).toEqual(['email']);
    const viaGrpc = await grpcError(app.users.call('CreateUser', { email: zw }, bearer(admin.accessToken)));
    expect(viaGrpc.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(viaGrpc.fieldViolations.map((v) => v.field)).toEqual(['email']);

    const target = await signUpAs(app, undefined, 'admin-target');
    const moved = await app.http('PATCH', `/v1/users/${target.id}`, { token: admin.accessToken, body: { email: fullwidth(taken.email) } });
    expect(moved.status).toBe(409);
    const update = await grpcError(
      app.users.call('UpdateUser', { userId: { value: target.id }, updateMask: { paths: ['email'] }, email: zw }, bearer(admin.accessToken)),
    );
    expect(update.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(update.fieldViolations.map((v) => v.field)).toEqual(['email']);
    const patched = await app.http('PATCH', `/v1/users/${target.id}`, { token: admin.accessToken, body: { email: fullwidth(email.replace('created', 'moved')) } });
    expect(patched.status).toBe(200);
    expect(patched.body.email).toBe(email.replace('created', 'moved'));
  });

  describe('the per-address rate limit of RecoveryStart', () => {
    let limited: TestApp;
    beforeAll(async () => {
      limited = await bootTestApp({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_MAX: '3', RATE_LIMIT_TTL_SECONDS: '60', TRUSTED_PROXIES: '127.0.0.1' });
    });
    afterAll(async () => {
      await limited?.close();
    });

    it('counts fullwidth spellings of one address in one budget, whichever IP they come from', async () => {
      const email = uniqueEmail('flood');
      const spellings = [email, fullwidth(email), `ｆ${email.slice(1)}`, fullwidth(email.toUpperCase())];
      const statuses: number[] = [];
      for (const [i, identifier] of spellings.entries()) {
        const res = await limited.http('POST', '/v1/auth/recovery/start', { body: { identifier }, headers: { 'x-forwarded-for': `198.51.100.${i + 1}` } });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([204, 204, 204, 429]);
    });
  });

  describe('rows stored before the normalisation (migration 1795300001000)', () => {
    const migrationUp = () => readFileSync(path.join(MIGRATIONS_DIR, '1795300001000-normalize-emails.sql'), 'utf8').split(/^--\s*migrate:down\s*$/m)[0];

    async function insertLegacyUser(email: string): Promise<string> {
      const hash = await app.running.app.get(PasswordHasher).hash(PASSWORD);
      const [row] = await app.db.sql<{ id: string }>(
        `INSERT INTO users (email, password_hash, email_verified) VALUES ($1, $2, true) RETURNING id`, [email, hash]);
      await app.db.sql(`INSERT INTO user_profiles (user_id) VALUES ($1)`, [row.id]);
      return row.id;
    }

    it('folds stored addresses, leaves colliding and unfoldable ones as they are, and the folded rows sign in', async () => {
      const legacy = uniqueEmail('legacy');
      const legacyId = await insertLegacyUser(fullwidth(legacy.split('@')[0]) + '@' + legacy.split('@')[1]);
      await app.db.sql(
        `INSERT INTO email_verification_tokens (user_id, email, token_hash, expires_at) VALUES ($1, (SELECT email FROM users WHERE id = $1), $2, now() + interval '1 day')`,
        [legacyId, Buffer.alloc(32, 7)]);
      // A fullwidth twin of an address someone else holds: folding would take that address.
      const holder = await signUpAs(app, undefined, 'holder');
      const twinEmail = `ｈ${holder.email.slice(1)}`;
      const twinId = await insertLegacyUser(twinEmail);
      // Two rows folding to one new address: neither may take it.
      const pair = uniqueEmail('pair');
      const pairA = await insertLegacyUser(`ｐ${pair.slice(1)}`);
      const pairB = await insertLegacyUser(`ｐａ${pair.slice(2)}`);
      // Folds to an address the email domain refuses (NBSP becomes a space, ＠ an at sign).
      const spaced = `no\u00A0${uniqueEmail('space')}`;
      const twoAts = `a＠${uniqueEmail('at')}`;
      const spacedId = await insertLegacyUser(spaced);
      const twoAtsId = await insertLegacyUser(twoAts);
      // The domain has required lower case since the first migration: no mixed-case row can exist.
      await expect(app.db.sql(`INSERT INTO users (email) VALUES ($1)`, [uniqueEmail('Mixed')])).rejects.toThrow(/email_address/);

      await app.db.sql(migrationUp());
      const emailOf = async (id: string) => (await app.db.sql<{ email: string }>('SELECT email FROM users WHERE id = $1', [id]))[0].email;
      expect(await emailOf(legacyId)).toBe(legacy);
      expect(await app.db.sql('SELECT email FROM email_verification_tokens WHERE user_id = $1', [legacyId])).toEqual([{ email: legacy }]);
      expect(await emailOf(twinId)).toBe(twinEmail);
      expect(await emailOf(holder.id)).toBe(holder.email);
      expect([await emailOf(pairA), await emailOf(pairB)]).toEqual([`ｐ${pair.slice(1)}`, `ｐａ${pair.slice(2)}`]);
      expect([await emailOf(spacedId), await emailOf(twoAtsId)]).toEqual([spaced, twoAts]);

      for (const via of ['rest', 'grpc'] as const) {
        for (const variant of [legacy, fullwidth(legacy)]) {
          const res = await signIn(variant, via);
          expect(res.status).toBe('AUTH_STATUS_SUCCESS');
          expect(via === 'rest' ? res.user.userId : res.user.userId.value).toBe(legacyId);
        }
        // The plain address and its twin both reach the account that holds the plain address.
        const res = await signIn(twinEmail, via);
        expect(via === 'rest' ? res.user.userId : res.user.userId.value).toBe(holder.id);
      }

      // Idempotent: a second run finds nothing left to fold.
      await app.db.sql(migrationUp());
      expect(await emailOf(legacyId)).toBe(legacy);
      expect(await emailOf(twinId)).toBe(twinEmail);
    });
  });
});
