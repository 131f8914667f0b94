import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxWorker } from '../../src/modules/mail/outbox-worker.service';
import { AccountMailService } from '../../src/modules/account-mail/account-mail.service';
import { BackgroundTasks } from '../../src/modules/recovery/background-tasks';
import { bootTestApp, bootTestAppOn, type TestApp } from '../support/app';
import { bearer, grpc, type GrpcError } from '../support/grpc-client';
import { clientInfo, credentials, forGrpc, PASSWORD, uniqueEmail } from '../support/factories';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../support/smtp-sink';
import { linkTokenOf } from '../support/mail-links';
import { collect, restStream, signUpAs, type Account } from '../support/users';

const APP_URL = 'https://app.example.com';
const grpcError = (p: Promise<unknown>): Promise<GrpcError> => p.then(() => { throw new Error('expected a gRPC error'); }, (e: GrpcError) => e);

describe('BOOTSTRAP_ADMIN_EMAIL promotes only a verified account, and only while there is no live administrator', () => {
  let app: TestApp;
  let dir: string;
  let passwordFile: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bootstrap-hijack-'));
    passwordFile = path.join(dir, 'password');
    writeFileSync(passwordFile, 'unattended-pass-1\n');
    app = await bootTestApp();
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * A restart of the service (a second replica on the same database) with BOOTSTRAP_ADMIN_EMAIL set; returns the
   * bootstrap's log lines. Nest's static loggers of a second app in one process write to the first app's stream.
   */
  async function restartWithBootstrap(email: string): Promise<{ level: number; msg: string; [key: string]: unknown }[]> {
    const from = app.logs.length;
    const replica = await bootTestAppOn(app.db, { BOOTSTRAP_ADMIN_EMAIL: email, BOOTSTRAP_ADMIN_PASSWORD_FILE: passwordFile });
    await replica.close();
    return [...app.logs.slice(from), ...replica.logs].map((l) => JSON.parse(l)).filter((l) => l.context === 'BootstrapAdmin');
  }
  const userRow = async (id: string) =>
    (await app.db.sql('SELECT role, status, email_verified, password_hash, updated_at FROM users WHERE id = $1', [id]))[0];
  /** No live administrator: every active account above `user` / `guest` is suspended. */
  const suspendEveryAdmin = () => app.db.sql(`UPDATE users SET status = 'suspended' WHERE status = 'active' AND role NOT IN ('user', 'guest')`);
  const verify = (a: Account) => app.db.sql('UPDATE users SET email_verified = true WHERE id = $1', [a.id]);

  /** What the account may do now, asked on both transports with its own (pre-existing) access token. */
  async function seesEveryone(a: Account): Promise<{ grpc: boolean; rest: boolean }> {
    const viaGrpc = await collect(app, 'ListUsers', {}, a.accessToken);
    const viaRest = await restStream(app, '/v1/users', a.accessToken, { accept: 'application/x-ndjson' });
    return { grpc: viaGrpc.length > 1, rest: viaRest.items.length > 1 };
  }

  it('an unverified account is never promoted (an attacker may have squatted the address), and the log says why without the address', async () => {
    await suspendEveryAdmin();
    const squatter = await signUpAs(app, undefined, 'squat');
    const before = await userRow(squatter.id);
    const logs = await restartWithBootstrap(squatter.email);
    expect(await userRow(squatter.id)).toEqual(before);
    expect(await seesEveryone(squatter)).toEqual({ grpc: false, rest: false });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ level: 40, userId: squatter.id, reason: 'email-unverified' });
    expect(JSON.stringify(logs)).not.toContain(squatter.email);
  });

  it('a verified account is promoted when no live administrator exists (a suspended one does not count)', async () => {
    const old = await signUpAs(app, 'admin', 'old-admin');
    await app.db.sql(`UPDATE users SET status = 'suspended' WHERE id = $1`, [old.id]);
    await suspendEveryAdmin();
    const owner = await signUpAs(app, undefined, 'owner');
    await verify(owner);
    const logs = await restartWithBootstrap(owner.email);
    expect(await userRow(owner.id)).toMatchObject({ role: 'admin', status: 'active', email_verified: true });
    expect(await seesEveryone(owner)).toEqual({ grpc: true, rest: true });
    expect(logs.map((l) => l.outcome)).toEqual(['promoted']);
  });

  it('with a live administrator nothing changes: no promotion of a verified account, no new account', async () => {
    await suspendEveryAdmin();
    await signUpAs(app, 'admin', 'live-admin');
    const verified = await signUpAs(app, undefined, 'verified');
    await verify(verified);
    const before = await userRow(verified.id);
    const logs = await restartWithBootstrap(verified.email);
    expect(await userRow(verified.id)).toEqual(before);
    expect(await seesEveryone(verified)).toEqual({ grpc: false, rest: false });
    expect(logs.map((l) => [l.level, l.reason])).toEqual([[40, 'admin-exists']]);

    // An address without an account is not created either (say, a deleted administrator's).
    const unused = uniqueEmail('unused');
    await restartWithBootstrap(unused);
    expect(await app.db.sql('SELECT 1 FROM users WHERE email = $1', [unused])).toEqual([]);
  });

  it('a custom role holding users:* or * counts as a live administrator', async () => {
    await app.db.sql(`INSERT INTO roles (name, permissions) VALUES ('user-admins', '{"users:*": true}') ON CONFLICT DO NOTHING`);
    await suspendEveryAdmin();
    await signUpAs(app, 'user-admins', 'custom-admin');
    const verified = await signUpAs(app, undefined, 'verified-2');
    await verify(verified);
    await restartWithBootstrap(verified.email);
    expect(await userRow(verified.id)).toMatchObject({ role: 'user' });
  });
});

describe('a role is granted only by an actor holding every permission of it (CreateUser, UpdateUser, both transports)', () => {
  let app: TestApp;
  let admin: Account;
  /** users:read and users:write only: the "helpdesk" of the brief. */
  let helpdesk: Account;
  beforeAll(async () => {
    app = await bootTestApp();
    admin = await signUpAs(app, 'admin', 'admin');
    await app.db.sql(`INSERT INTO roles (name, permissions) VALUES
      ('helpdesk', '{"users:read": true, "users:write": true, "users:password": true}'),
      ('helpdesk-reports', '{"users:read": true, "users:write": true, "reports:read": true}'),
      ('helpdesk-all-reports', '{"users:write": true, "reports:*": true}'),
      ('users-star', '{"users:*": true}')`);
    // The guest role now carries a permission the helpdesk lacks.
    await app.db.sql(`UPDATE roles SET permissions = '{"profile:read": true, "reports:read": true}' WHERE name = 'guest'`);
    helpdesk = await signUpAs(app, 'helpdesk', 'helpdesk');
  });
  afterAll(async () => {
    await app?.close();
  });

  const roleOf = async (id: string) => (await app.db.sql<{ role: string }>('SELECT role FROM users WHERE id = $1', [id]))[0].role;
  const exists = async (email: string) => (await app.db.sql('SELECT 1 FROM users WHERE email = $1', [email])).length > 0;

  async function expectCreateDenied(actor: Account, role: string): Promise<void> {
    const viaRest = uniqueEmail('denied-rest');
    const rest = await app.http('POST', '/v1/users', { token: actor.accessToken, body: { email: viaRest, role } });
    expect(rest.status, rest.text).toBe(403);
    expect(rest.body.error.status).toBe('PERMISSION_DENIED');
    const viaGrpc = uniqueEmail('denied-grpc');
    const err = await grpcError(app.users.call('CreateUser', { email: viaGrpc, role }, bearer(actor.accessToken)));
    expect(err.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(await exists(viaRest)).toBe(false);
    expect(await exists(viaGrpc)).toBe(false);
  }

  async function expectUpdateDenied(actor: Account, role: string): Promise<void> {
    const target = await signUpAs(app);
    const rest = await app.http('PATCH', `/v1/users/${target.id}`, { token: actor.accessToken, body: { role } });
    expect(rest.status, rest.text).toBe(403);
    expect(rest.body.error.status).toBe('PERMISSION_DENIED');
    const err = await grpcError(app.users.call('UpdateUser', { userId: { value: target.id }, role, name: 'Changed' }, bearer(actor.accessToken)));
    expect(err.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(await roleOf(target.id)).toBe('user');
    const [profile] = await app.db.sql<{ display_name: string }>('SELECT display_name FROM user_profiles WHERE user_id = $1', [target.id]);
    expect(profile.display_name).toBe('');
  }

  async function expectGranted(actor: Account, role: string, dbRole: string): Promise<void> {
    const created = await app.http('POST', '/v1/users', { token: actor.accessToken, body: { email: uniqueEmail('granted'), role } });
    expect(created.status, created.text).toBe(200);
    expect(created.body.role).toBe(role);
    const viaGrpc = await app.users.call('CreateUser', { email: uniqueEmail('granted-grpc'), role }, bearer(actor.accessToken));
    expect(viaGrpc.role).toBe(role);
    const target = await signUpAs(app);
    const updated = await app.users.call('UpdateUser', { userId: { value: target.id }, role }, bearer(actor.accessToken));
    expect(updated.role).toBe(role);
    const other = await signUpAs(app);
    const patched = await app.http('PATCH', `/v1/users/${other.id}`, { token: actor.accessToken, body: { role } });
    expect(patched.status, patched.text).toBe(200);
    expect(await roleOf(other.id)).toBe(dbRole);
  }

  it('users:read + users:write cannot grant a role holding * (admin) or a permission it lacks', async () => {
    await expectCreateDenied(helpdesk, 'USER_ROLE_ADMIN');
    await expectUpdateDenied(helpdesk, 'USER_ROLE_ADMIN');
    await expectCreateDenied(helpdesk, 'USER_ROLE_GUEST');
    await expectUpdateDenied(helpdesk, 'USER_ROLE_GUEST');
  });

  it('users:* is not *: it cannot grant admin', async () => {
    const usersStar = await signUpAs(app, 'users-star', 'users-star');
    await expectCreateDenied(usersStar, 'USER_ROLE_ADMIN');
    await expectUpdateDenied(usersStar, 'USER_ROLE_ADMIN');
  });

  it('an actor holding every permission of the role can grant it; profile:* (self-service only) is no escalation', async () => {
    await expectGranted(await signUpAs(app, 'helpdesk-reports', 'hr'), 'USER_ROLE_GUEST', 'guest');
    await expectGranted(helpdesk, 'USER_ROLE_USER', 'user');
    await expectGranted(admin, 'USER_ROLE_ADMIN', 'admin');
  });

  it('wildcards: reports:* covers reports:read; reports:read does not cover reports:*', async () => {
    await expectGranted(await signUpAs(app, 'helpdesk-all-reports', 'har'), 'USER_ROLE_GUEST', 'guest');
    await app.db.sql(`UPDATE roles SET permissions = '{"profile:read": true, "reports:*": true}' WHERE name = 'guest'`);
    try {
      await expectCreateDenied(await signUpAs(app, 'helpdesk-reports', 'hr2'), 'USER_ROLE_GUEST');
      await expectGranted(await signUpAs(app, 'helpdesk-all-reports', 'har2'), 'USER_ROLE_GUEST', 'guest');
    } finally {
      await app.db.sql(`UPDATE roles SET permissions = '{"profile:read": true, "reports:read": true}' WHERE name = 'guest'`);
    }
  });

  it('nor can it manage (reset the password of, take over) an account whose role holds more than it does', async () => {
    const target = await signUpAs(app, 'guest', 'reports-holder');
    const rest = await app.http('PUT', `/v1/users/${target.id}/password`, { token: helpdesk.accessToken, body: { password: 'takeover-pass-1' } });
    expect(rest.status, rest.text).toBe(403);
    const err = await grpcError(app.users.call('SetPassword', { userId: { value: target.id }, password: 'takeover-pass-1' }, bearer(helpdesk.accessToken)));
    expect(err.code).toBe(grpc.status.PERMISSION_DENIED);
    const email = await app.http('PATCH', `/v1/users/${target.id}`, { token: helpdesk.accessToken, body: { email: uniqueEmail('takeover') } });
    expect(email.status).toBe(403);
    expect((await app.http('POST', '/v1/auth/authenticate', { body: credentials(target.email, PASSWORD) })).body.status).toBe('AUTH_STATUS_SUCCESS');
  });
});

describe('an email change ends the old address\'s hold on the account', () => {
  let smtp: SmtpSink;
  let app: TestApp;
  let admin: Account;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    app = await bootTestApp({ SMTP_URL: smtp.url, MAIL_OUTBOX_POLL_MS: '25', APP_URL });
    admin = await signUpAs(app, 'admin', 'admin');
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
  });

  const tokenOf = (mail: ReceivedMail, route: 'verify-email' | 'auth-reset'): string => linkTokenOf(mail, APP_URL, route);
  const confirmBody = (token: string) => ({ token, type: 'VERIFICATION_TYPE_EMAIL', installationId: randomUUID(), clientInfo: clientInfo('verify-device') });

  it('RecoveryStart that read the account before an email change committed mails no link to the old address', async () => {
    const email = uniqueEmail('stale-reset');
    expect((await app.http('POST', '/v1/auth/signup', { body: credentials(email) })).status).toBe(200);
    const [before] = await app.db.sql<Record<string, unknown>>('SELECT * FROM users WHERE email = $1', [email]);
    const stale = { id: before.id as string, email, locale: 'en', displayName: '', timezone: undefined };
    await app.db.sql('UPDATE users SET email = $2 WHERE id = $1', [stale.id, uniqueEmail('moved')]);
    // What the background lookup of RecoveryStart hands on when it ran just before the change.
    expect(await app.running.app.get(AccountMailService).queuePasswordReset(stale as never)).toBe(false);
    expect(await app.db.sql('SELECT 1 FROM password_reset_tokens WHERE user_id = $1', [stale.id])).toHaveLength(0);
    expect(await app.db.sql(`SELECT 1 FROM mail_outbox WHERE recipient = $1 AND template = 'password-reset'`, [email])).toHaveLength(0);
  });

  /** An account with a verified address, a verification link and a reset link both mailed before the change. */
  async function accountWithLiveLinks(): Promise<{ id: string; email: string; verifyToken: string; resetToken: string }> {
    const email = uniqueEmail('victim');
    const res = await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    expect(res.status).toBe(200);
    const verifyToken = tokenOf((await smtp.waitFor(email, 1))[0], 'verify-email');
    await app.db.sql(`UPDATE users SET email_verified = true, status = 'active' WHERE email = $1`, [email]);
    expect(await app.auth.call('RecoveryStart', { identifier: email })).toEqual({});
    await app.running.app.get(BackgroundTasks).drain();
    const resetToken = tokenOf((await smtp.waitFor(email, 2))[1], 'auth-reset');
    return { id: res.body.user.userId, email, verifyToken, resetToken };
  }

  async function expectOldLinksDead(victim: { verifyToken: string; resetToken: string }): Promise<void> {
    const viaGrpc = await grpcError(app.auth.call('RecoveryConfirm', { token: victim.resetToken, newPassword: 'attacker-pass-1' }));
    expect(viaGrpc.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(viaGrpc.reason).toBe('RECOVERY_TOKEN_INVALID');
    const viaRest = await app.http('POST', '/v1/auth/recovery/confirm', { body: { token: victim.resetToken, newPassword: 'attacker-pass-1' } });
    expect(viaRest.status).toBe(400);
    expect(viaRest.body.error.details[0].reason).toBe('RECOVERY_TOKEN_INVALID');

    const verifyGrpc = await grpcError(app.auth.call('ConfirmVerification', forGrpc(confirmBody(victim.verifyToken))));
    expect(verifyGrpc.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(verifyGrpc.reason).toBe('VERIFICATION_TOKEN_INVALID');
    const verifyRest = await app.http('POST', '/v1/auth/verification/confirm', { body: confirmBody(victim.verifyToken) });
    expect(verifyRest.status).toBe(400);
    expect(verifyRest.body.error.details[0].reason).toBe('VERIFICATION_TOKEN_INVALID');
  }

  async function expectNoticeToOldAddress(oldEmail: string, newEmail: string): Promise<void> {
    const notice = (await smtp.waitFor(oldEmail, 3))[2];
    expect(notice.subject).toBe('The email address of your account was changed');
    expect(notice.links).toEqual([]);
    expect(notice.text).not.toContain(newEmail);
    const [row] = await app.db.sql<{ data: object }>(`SELECT data FROM mail_outbox WHERE recipient = $1 AND template = 'email-changed'`, [oldEmail]);
    expect(JSON.stringify(row.data)).not.toContain(newEmail);
  }

  for (const via of ['rest', 'grpc'] as const) {
    it(`after an administrator's change (${via}): old reset and verification links refused, address unverified, notice to the old address`, async () => {
      const victim = await accountWithLiveLinks();
      const fresh = uniqueEmail('new-address');
      if (via === 'rest') {
        const res = await app.http('PATCH', `/v1/users/${victim.id}`, { token: admin.accessToken, body: { email: fresh } });
        expect(res.status, res.text).toBe(200);
        expect(res.body).toMatchObject({ email: fresh, emailVerified: false });
      } else {
        const res = await app.users.call('UpdateUser', { userId: { value: victim.id }, email: fresh }, bearer(admin.accessToken));
        expect(res).toMatchObject({ email: fresh, emailVerified: false });
      }
      await expectOldLinksDead(victim);
      const [row] = await app.db.sql<{ email_verified: boolean }>('SELECT email_verified FROM users WHERE id = $1', [victim.id]);
      expect(row.email_verified).toBe(false);
      expect((await app.http('POST', '/v1/auth/authenticate', { body: credentials(fresh, PASSWORD) })).body.status).toBe('AUTH_STATUS_SUCCESS');
      await expectNoticeToOldAddress(victim.email, fresh);

      // The new address's own link (issued with the change) still verifies it.
      const newLink = tokenOf((await smtp.waitFor(fresh, 1))[0], 'verify-email');
      const confirmed = await app.http('POST', '/v1/auth/verification/confirm', { body: confirmBody(newLink) });
      expect(confirmed.status, confirmed.text).toBe(200);
      expect(confirmed.body.user).toMatchObject({ email: fresh, emailVerified: true });
    });
  }

  it('removing the address does the same; a refused change (address taken) changes nothing and mails nobody', async () => {
    const taken = await signUpAs(app, undefined, 'taken');
    const victim = await accountWithLiveLinks();
    const dup = await app.http('PATCH', `/v1/users/${victim.id}`, { token: admin.accessToken, body: { email: taken.email } });
    expect(dup.status).toBe(409);
    await app.running.app.get(OutboxWorker).runOnce();
    expect(smtp.mailsTo(victim.email)).toHaveLength(2);
    const [{ n }] = await app.db.sql<{ n: number }>(
      'SELECT count(*)::int AS n FROM password_reset_tokens WHERE user_id = $1 AND used_at IS NULL', [victim.id]);
    expect(n).toBe(1);

    const phone = `+1415555${String(Date.now()).slice(-4)}`;
    const res = await app.users.call('UpdateUser', { userId: { value: victim.id }, updateMask: { paths: ['email', 'phone'] }, phone }, bearer(admin.accessToken));
    expect(res).toMatchObject({ email: '', phone, emailVerified: false });
    await expectOldLinksDead(victim);
    await expectNoticeToOldAddress(victim.email, phone);
  });
});
