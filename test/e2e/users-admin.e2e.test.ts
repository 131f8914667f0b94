import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { bearer, grpc, type GrpcError } from '../support/grpc-client';
import { credentials, PASSWORD, uniqueEmail } from '../support/factories';
import { checkAgainstSchema, responseSchema } from '../support/openapi-check';
import { collect, restStream, signUpAs, type Account } from '../support/users';

describe('users administration: permissions, CreateUser, UpdateUser, SetPassword', () => {
  let app: TestApp;
  let admin: Account;
  beforeAll(async () => {
    app = await bootTestApp();
    admin = await signUpAs(app, 'admin', 'admin');
  });
  afterAll(async () => {
    await app?.close();
  });

  const grpcError = (p: Promise<unknown>) => p.then(() => { throw new Error('expected an error'); }, (e: GrpcError) => e);
  const mails = (email: string) =>
    app.db.sql<{ template: string }>('SELECT template FROM mail_outbox WHERE recipient = $1 ORDER BY created_at, id', [email]).then((r) => r.map((m) => m.template));

  describe('permissions on both transports', () => {
    it('lets a plain user list only themselves, whatever the filter asks', async () => {
      const me = await signUpAs(app);
      const other = await signUpAs(app);
      const viaGrpc = await collect(app, 'ListUsers', {}, me.accessToken);
      expect(viaGrpc.map((u) => u.id.value)).toEqual([me.id]);
      const asked = await collect(app, 'ListUsers', { userIds: [{ value: other.id }] }, me.accessToken);
      expect(asked).toEqual([]);
      const viaRest = await restStream(app, `/v1/users?user_ids=${other.id},${me.id}`, me.accessToken);
      expect(viaRest.status).toBe(200);
      expect(viaRest.items.map((u) => u.id)).toEqual([me.id]);
      const info = await restStream(app, '/v2/users/info', me.accessToken);
      expect(info.items.map((u) => u.id)).toEqual([me.id]);
    });

    it('refuses CreateUser, role changes of others and SetPassword to a plain user', async () => {
      const me = await signUpAs(app);
      const other = await signUpAs(app);
      const create = await app.http('POST', '/v1/users', { token: me.accessToken, body: { email: uniqueEmail('x') } });
      expect(create.status).toBe(403);
      expect(create.body.error.status).toBe('PERMISSION_DENIED');
      expect((await grpcError(app.users.call('CreateUser', { email: uniqueEmail('x') }, bearer(me.accessToken)))).code).toBe(grpc.status.PERMISSION_DENIED);

      const role = await app.http('PATCH', `/v1/users/${other.id}`, { token: me.accessToken, body: { role: 'USER_ROLE_ADMIN' } });
      expect(role.status).toBe(403);
      const ownRole = await grpcError(app.users.call('UpdateUser', { userId: { value: me.id }, role: 'USER_ROLE_ADMIN' }, bearer(me.accessToken)));
      expect(ownRole.code).toBe(grpc.status.PERMISSION_DENIED);
      const otherName = await grpcError(app.users.call('UpdateUser', { userId: { value: other.id }, name: 'Mallory' }, bearer(me.accessToken)));
      expect(otherName.code).toBe(grpc.status.PERMISSION_DENIED);

      expect((await app.http('PUT', `/v1/users/${other.id}/password`, { token: me.accessToken, body: { password: 'takeover-pass-1' } })).status).toBe(403);
      expect((await grpcError(app.users.call('SetPassword', { userId: { value: other.id }, password: 'takeover-pass-1' }, bearer(me.accessToken)))).code)
        .toBe(grpc.status.PERMISSION_DENIED);
      const [row] = await app.db.sql<{ role: string; display_name: string }>(
        'SELECT u.role, p.display_name FROM users u JOIN user_profiles p ON p.user_id = u.id WHERE u.id = $1', [other.id]);
      expect(row).toEqual({ role: 'user', display_name: '' });
    });

    it('lets a custom role with users:read list everyone, without code changes', async () => {
      await app.db.sql(`INSERT INTO roles (name, permissions) VALUES ('auditor', '{"users:read": true}') ON CONFLICT DO NOTHING`);
      const auditor = await signUpAs(app, 'auditor');
      const someone = await signUpAs(app);
      const ids = (await collect(app, 'ListUsersInfo', {}, auditor.accessToken)).map((u) => u.id.value);
      expect(ids).toEqual(expect.arrayContaining([admin.id, auditor.id, someone.id]));
      const rest = await restStream(app, '/v1/users', auditor.accessToken, { accept: 'application/x-ndjson' });
      expect(rest.items.map((u) => u.id)).toEqual(expect.arrayContaining([admin.id, someone.id]));
      // users:read does not grant users:write.
      expect((await app.http('POST', '/v1/users', { token: auditor.accessToken, body: { email: uniqueEmail('no') } })).status).toBe(403);
    });

    it('applies a role change at once to the same access token', async () => {
      const me = await signUpAs(app);
      expect(await collect(app, 'ListUsers', {}, me.accessToken)).toHaveLength(1);
      await app.db.sql(`UPDATE users SET role = 'admin' WHERE id = $1`, [me.id]);
      expect((await collect(app, 'ListUsers', {}, me.accessToken)).length).toBeGreaterThan(1);
      await app.db.sql(`UPDATE users SET role = 'user' WHERE id = $1`, [me.id]);
      expect(await collect(app, 'ListUsers', {}, me.accessToken)).toHaveLength(1);
    });

    it('keeps a users:write role from managing admins or handing out admin', async () => {
      await app.db.sql(`INSERT INTO roles (name, permissions) VALUES ('support', '{"users:write": true}') ON CONFLICT DO NOTHING`);
      const support = await signUpAs(app, 'support');
      const plain = await signUpAs(app);
      expect((await app.http('PATCH', `/v1/users/${plain.id}`, { token: support.accessToken, body: { role: 'USER_ROLE_ADMIN' } })).status).toBe(403);
      expect((await app.http('PATCH', `/v1/users/${admin.id}`, { token: support.accessToken, body: { status: 'USER_STATUS_SUSPENDED' } })).status).toBe(403);
      const ok = await app.http('PATCH', `/v1/users/${plain.id}`, { token: support.accessToken, body: { role: 'USER_ROLE_GUEST' } });
      expect(ok.status).toBe(200);
      expect(ok.body.role).toBe('USER_ROLE_GUEST');
    });
  });

  describe('CreateUser', () => {
    it('creates a user with a password on both transports, answering every field', async () => {
      const email = uniqueEmail('created');
      const res = await app.http('POST', '/v1/users', {
        token: admin.accessToken,
        body: { name: ' Ada Lovelace ', email: email.toUpperCase(), password: 'analytical-engine-1', locale: 'de', timezone: 'Europe/Berlin' },
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({
        name: 'Ada Lovelace', email, phone: '', role: 'USER_ROLE_USER', status: 'USER_STATUS_ACTIVE', emailVerified: false,
        phoneVerified: false, mfaEnabled: false, hasPassword: true, avatarUrl: '', locale: 'de', timezone: 'Europe/Berlin',
      });
      expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(Date.parse(res.body.createdAt)).not.toBeNaN();
      const signIn = await app.http('POST', '/v1/auth/authenticate', { body: credentials(email, 'analytical-engine-1') });
      expect(signIn.body.status).toBe('AUTH_STATUS_SUCCESS');

      const phone = `+1415555${String(Date.now()).slice(-4)}`;
      const viaGrpc = await app.users.call('CreateUser', { phone, role: 'USER_ROLE_GUEST', password: 'difference-engine-2' }, bearer(admin.accessToken));
      expect(viaGrpc).toMatchObject({ phone, email: '', role: 'USER_ROLE_GUEST', hasPassword: true, locale: 'en', timezone: 'UTC' });
      expect(viaGrpc.id.value).toMatch(/^[0-9a-f-]{36}$/);
      expect(viaGrpc.createdAt.seconds).toBeDefined();
    });

    it('answers ALREADY_EXISTS for a duplicate email or phone, INVALID_ARGUMENT for bad input', async () => {
      const taken = await signUpAs(app);
      const dup = await app.http('POST', '/v1/users', { token: admin.accessToken, body: { email: taken.email, password: 'some-pass-123' } });
      expect(dup.status).toBe(409);
      expect(dup.body.error.status).toBe('ALREADY_EXISTS');
      const dupGrpc = await grpcError(app.users.call('CreateUser', { email: taken.email }, bearer(admin.accessToken)));
      expect(dupGrpc.code).toBe(grpc.status.ALREADY_EXISTS);
      expect(dupGrpc.fieldViolations.map((v) => v.field)).toEqual(['email']);

      const none = await app.http('POST', '/v1/users', { token: admin.accessToken, body: { name: 'Nobody' } });
      expect(none.status).toBe(400);
      const weak = await grpcError(app.users.call('CreateUser', { email: uniqueEmail('weak'), password: 'short' }, bearer(admin.accessToken)));
      expect(weak.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(weak.fieldViolations[0].field).toBe('password');
      const badEmail = await app.http('POST', '/v1/users', { token: admin.accessToken, body: { email: 'not-an-email' } });
      expect(badEmail.status).toBe(400);
      const badZone = await app.http('POST', '/v1/users', { token: admin.accessToken, body: { email: uniqueEmail('z'), timezone: 'Mars/Olympus' } });
      expect(badZone.status).toBe(400);
    });

    it('sends a set-password link (never a password) and a welcome verification to a user created without a password', async () => {
      const email = uniqueEmail('nopw');
      const res = await app.users.call('CreateUser', { email, name: 'Grace' }, bearer(admin.accessToken));
      expect(res.hasPassword).toBe(false);
      expect(res.role).toBe('USER_ROLE_USER');
      expect(await mails(email)).toEqual(expect.arrayContaining(['welcome-verification', 'set-password']));
      const [row] = await app.db.sql<{ data: object }>(`SELECT data FROM mail_outbox WHERE recipient = $1 AND template = 'set-password'`, [email]);
      expect(JSON.stringify(row.data)).not.toMatch(/password"\s*:/);
      const [{ n }] = await app.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM password_reset_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = $1', [email]);
      expect(n).toBe(1);
    });
  });

  describe('UpdateUser', () => {
    it('changes only the paths of update_mask (gRPC FieldMask)', async () => {
      const target = await signUpAs(app);
      const res = await app.users.call('UpdateUser', {
        userId: { value: target.id }, updateMask: { paths: ['name'] }, name: 'Only Name', email: uniqueEmail('ignored'), locale: 'fr',
      }, bearer(admin.accessToken));
      expect(res).toMatchObject({ name: 'Only Name', email: target.email, locale: 'en' });
    });

    it('changes every present field without a mask, and resets listed-but-unset paths with one (REST)', async () => {
      const target = await signUpAs(app);
      const noMask = await app.http('PATCH', `/v1/users/${target.id}`, { token: admin.accessToken, body: { name: 'No Mask', timezone: 'Asia/Tokyo' } });
      expect(noMask.status, noMask.text).toBe(200);
      expect(noMask.body).toMatchObject({ name: 'No Mask', timezone: 'Asia/Tokyo', locale: 'en', email: target.email });

      const phone = `+4930${String(Date.now()).slice(-7)}`;
      await app.http('PATCH', `/v1/users/${target.id}`, { token: admin.accessToken, body: { phone } });
      const masked = await app.http('PATCH', `/v2/users/${target.id}`, { token: admin.accessToken, body: { updateMask: 'phone,timezone', name: 'ignored' } });
      expect(masked.status, masked.text).toBe(200);
      expect(masked.body).toMatchObject({ phone: '', timezone: 'UTC', name: 'No Mask' });

      const unknown = await app.http('PATCH', `/v1/users/${target.id}`, { token: admin.accessToken, body: { updateMask: 'name,password' } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.details[1].fieldViolations[0].field).toBe('updateMask');
      const noContact = await app.http('PATCH', `/v1/users/${target.id}`, { token: admin.accessToken, body: { updateMask: 'email' } });
      expect(noContact.status).toBe(400);
    });

    it('resets the verified flag and queues a verification mail when the email changes', async () => {
      const target = await signUpAs(app);
      await app.db.sql('UPDATE users SET email_verified = true WHERE id = $1', [target.id]);
      const fresh = uniqueEmail('changed');
      const res = await app.users.call('UpdateUser', { userId: { value: target.id }, email: fresh }, bearer(admin.accessToken));
      expect(res).toMatchObject({ email: fresh, emailVerified: false });
      expect(await mails(fresh)).toContain('email-verification');

      const taken = await signUpAs(app);
      const dup = await app.http('PATCH', `/v1/users/${target.id}`, { token: admin.accessToken, body: { email: taken.email } });
      expect(dup.status).toBe(409);
      const invalid = await grpcError(app.users.call('UpdateUser', { userId: { value: target.id }, email: 'broken@' }, bearer(admin.accessToken)));
      expect(invalid.code).toBe(grpc.status.INVALID_ARGUMENT);
      const nul = await app.http('PATCH', `/v1/users/${target.id}`, { token: admin.accessToken, body: { name: 'bad\u0000name' } });
      expect(nul.status).toBe(400);
      const badStatus = await app.http('PATCH', `/v1/users/${target.id}`, { token: admin.accessToken, body: { status: 'USER_STATUS_BANNED' } });
      expect(badStatus.status).toBe(400);
      const missing = await app.http('PATCH', '/v1/users/0195c5a4-8a5e-7c3a-9f1e-2b3c4d5e6f70', { token: admin.accessToken, body: { name: 'x' } });
      expect(missing.status).toBe(404);
    });

    it('lets a user change their own name, locale and timezone, nothing else', async () => {
      const me = await signUpAs(app);
      const res = await app.http('PATCH', `/v1/users/${me.id}`, { token: me.accessToken, body: { name: 'Me Myself', locale: 'pt-BR', timezone: 'America/Sao_Paulo' } });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ name: 'Me Myself', locale: 'pt-BR', timezone: 'America/Sao_Paulo', role: 'USER_ROLE_USER' });
      const viaGrpc = await app.users.call('UpdateUser', { userId: { value: me.id }, updateMask: { paths: ['name'] }, name: 'Again' }, bearer(me.accessToken));
      expect(viaGrpc.name).toBe('Again');
      expect((await app.http('PATCH', `/v1/users/${me.id}`, { token: me.accessToken, body: { email: uniqueEmail('self') } })).status).toBe(403);
      expect((await app.http('PATCH', `/v1/users/${me.id}`, { token: me.accessToken, body: { status: 'USER_STATUS_ACTIVE' } })).status).toBe(403);
    });

    it('suspension ends every session of the user at once', async () => {
      const victim = await signUpAs(app);
      const second = await app.http('POST', '/v1/auth/authenticate', { body: credentials(victim.email, PASSWORD, 'other-device') });
      expect(second.body.status).toBe('AUTH_STATUS_SUCCESS');
      const res = await app.users.call('UpdateUser', { userId: { value: victim.id }, status: 'USER_STATUS_SUSPENDED' }, bearer(admin.accessToken));
      expect(res.status).toBe('USER_STATUS_SUSPENDED');
      const [{ n }] = await app.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [victim.id]);
      expect(n).toBe(0);
      expect((await app.http('POST', '/v1/auth/signout', { token: victim.accessToken })).status).toBe(401);
      expect((await app.http('POST', '/v1/auth/token/refresh', { body: { refreshToken: second.body.tokens.refreshToken } })).status).toBe(401);
      const signIn = await app.http('POST', '/v1/auth/authenticate', { body: credentials(victim.email) });
      expect(signIn.body.status).toBe('AUTH_STATUS_SUSPENDED');
    });

    it('soft-deletes: deleted_at set, sessions gone, email free again, listed only when DELETED is asked for', async () => {
      const victim = await signUpAs(app);
      const res = await app.http('PATCH', `/v1/users/${victim.id}`, { token: admin.accessToken, body: { status: 'USER_STATUS_DELETED' } });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('USER_STATUS_DELETED');
      const [row] = await app.db.sql<{ deleted_at: Date | null }>('SELECT deleted_at FROM users WHERE id = $1', [victim.id]);
      expect(row.deleted_at).toEqual(app.clock.now());
      const [{ n }] = await app.db.sql<{ n: number }>('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [victim.id]);
      expect(n).toBe(0);
      const again = await app.http('POST', '/v1/auth/signup', { body: credentials(victim.email) });
      expect(again.body.status).toBe('AUTH_STATUS_SUCCESS');

      const live = await collect(app, 'ListUsers', { userIds: [{ value: victim.id }] }, admin.accessToken);
      expect(live).toEqual([]);
      const deleted = await collect(app, 'ListUsers', { userIds: [{ value: victim.id }], statuses: ['USER_STATUS_DELETED'] }, admin.accessToken);
      expect(deleted.map((u) => [u.id.value, u.status])).toEqual([[victim.id, 'USER_STATUS_DELETED']]);
      // Restoring it now collides with the new account holding the email.
      const restore = await app.http('PATCH', `/v1/users/${victim.id}`, { token: admin.accessToken, body: { status: 'USER_STATUS_ACTIVE' } });
      expect(restore.status).toBe(409);
    });
  });

  describe('SetPassword', () => {
    it('applies the policy, ends the user\'s sessions and queues the notice, on both transports', async () => {
      const target = await signUpAs(app);
      const weak = await app.http('PUT', `/v1/users/${target.id}/password`, { token: admin.accessToken, body: { password: 'weak' } });
      expect(weak.status).toBe(400);
      const ok = await app.http('PUT', `/v1/users/${target.id}/password`, { token: admin.accessToken, body: { password: 'brand-new-pass-9' } });
      expect(ok.status).toBe(204);
      expect((await app.http('POST', '/v1/auth/token/refresh', { body: { refreshToken: target.refreshToken } })).status).toBe(401);
      expect((await app.http('POST', '/v1/auth/authenticate', { body: credentials(target.email, 'brand-new-pass-9') })).body.status).toBe('AUTH_STATUS_SUCCESS');
      expect(await mails(target.email)).toContain('password-changed');

      await app.users.call('SetPassword', { userId: { value: target.id }, password: 'grpc-set-pass-7' }, bearer(admin.accessToken));
      expect((await app.http('POST', '/v1/auth/authenticate', { body: credentials(target.email, 'grpc-set-pass-7') })).body.status).toBe('AUTH_STATUS_SUCCESS');
      const missing = await grpcError(app.users.call('SetPassword', { userId: { value: '0195c5a4-8a5e-7c3a-9f1e-2b3c4d5e6f70' }, password: 'whatever-123' }, bearer(admin.accessToken)));
      expect(missing.code).toBe(grpc.status.NOT_FOUND);
    });
  });

  it('documents every users route for v1 and v2, and CreateUser / UpdateUser answer what their schemas say', async () => {
    const doc = (await app.http('GET', '/api-docs/openapi.json')).body;
    for (const v of ['v1', 'v2']) {
      for (const [method, route] of [['get', '/users'], ['get', '/users/info'], ['post', '/users'], ['patch', '/users/{userId}'], ['put', '/users/{userId}/password'],
        ['post', '/users/{userId}/avatar/upload-url'], ['post', '/users/{userId}/avatar/confirm'], ['delete', '/users/{userId}/avatar']]) {
        expect(doc.paths[`/${v}${route}`]?.[method], `${method} /${v}${route}`).toBeDefined();
        expect(doc.paths[`/${v}${route}`][method].summary).not.toMatch(/not built yet/);
      }
    }
    const created = await app.http('POST', '/v1/users', { token: admin.accessToken, body: { email: uniqueEmail('oas') } });
    expect(checkAgainstSchema(doc, responseSchema(doc, 'POST', '/v1/users', 200), created.body)).toEqual([]);
    const updated = await app.http('PATCH', `/v1/users/${created.body.id}`, { token: admin.accessToken, body: { name: 'Documented' } });
    expect(checkAgainstSchema(doc, responseSchema(doc, 'PATCH', '/v1/users/{userId}', 200), updated.body)).toEqual([]);
    const streamed = await restStream(app, `/v1/users?user_ids=${created.body.id}`, admin.accessToken);
    const item = doc.paths['/v1/users'].get.responses['200'].content['application/x-ndjson'].schema;
    expect(Object.keys(doc.paths['/v1/users'].get.responses['200'].content)).toEqual(['text/event-stream', 'application/x-ndjson']);
    expect(checkAgainstSchema(doc, item, streamed.items[0])).toEqual([]);
  });
});
