import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
// @ts-expect-error s3rver ships no type declarations
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { bearer, grpc, type GrpcError } from '../support/grpc-client';
import { freePort } from '../support/ports';
import { collect, signUpAs, type Account } from '../support/users';

const BUCKET = 'avatars';
const MAX = 4096;

describe('avatars against a real S3 server (s3rver on 127.0.0.1)', () => {
  let app: TestApp;
  let bare: TestApp;
  let s3server: { run(): Promise<unknown>; close(): Promise<void> };
  let s3: S3Client;
  let dir: string;
  let admin: Account;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 's3rver-'));
    const port = await freePort();
    s3server = new S3rver({ port, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: BUCKET }] });
    await s3server.run();
    s3 = new S3Client({
      endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    app = await bootTestApp({
      S3_URL: `http://127.0.0.1:${port}/${BUCKET}/`,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_PUBLIC_URL: 'https://cdn.example.com/media',
      AVATAR_MAX_BYTES: String(MAX),
    });
    bare = await bootTestApp();
    admin = await signUpAs(app, 'admin', 'admin');
  });
  afterAll(async () => {
    await app?.close();
    await bare?.close();
    s3?.destroy();
    await s3server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const exists = (key: string) =>
    s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then((o) => o.ContentLength, (e: { $metadata?: { httpStatusCode?: number } }) => {
      if (e.$metadata?.httpStatusCode === 404) return null;
      throw e;
    });
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(120, 7)]);

  it('presigns, takes the bytes over plain HTTP, confirms, stores a versioned URL and deletes (REST, self-service)', async () => {
    const me = await signUpAs(app);
    const res = await app.http('POST', `/v1/users/${me.id}/avatar/upload-url`, { token: me.accessToken, body: { contentType: 'image/png', contentSize: png.length } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.expiresIn).toBe('300s');
    const url = new URL(res.body.uploadUrl);
    expect(url.pathname).toBe(`/${BUCKET}/users/${me.id}/avatar.png`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(url.searchParams.get('X-Amz-SignedHeaders')!.split(';')).toEqual(expect.arrayContaining(['content-length', 'content-type', 'host']));
    expect(url.searchParams.has('x-amz-checksum-crc32')).toBe(false);

    const put = await fetch(url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: png });
    expect(put.status).toBe(200);
    app.clock.advance(1_000);
    const confirm = await app.http('POST', `/v1/users/${me.id}/avatar/confirm`, { token: me.accessToken });
    expect(confirm.status, confirm.text).toBe(204);
    const expected = `https://cdn.example.com/media/users/${me.id}/avatar.png?v=${app.clock.now().getTime()}`;
    const [row] = await app.db.sql<{ avatar_url: string }>('SELECT avatar_url FROM user_profiles WHERE user_id = $1', [me.id]);
    expect(row.avatar_url).toBe(expected);
    const [listed] = await collect(app, 'ListUsers', {}, me.accessToken);
    expect(listed.avatarUrl).toBe(expected);

    const del = await app.http('DELETE', `/v1/users/${me.id}/avatar`, { token: me.accessToken });
    expect(del.status).toBe(204);
    expect(await exists(`users/${me.id}/avatar.png`)).toBeNull();
    const [after] = await app.db.sql<{ avatar_url: string | null }>('SELECT avatar_url FROM user_profiles WHERE user_id = $1', [me.id]);
    expect(after.avatar_url).toBeNull();
  });

  it('lets an admin replace another user\'s avatar over gRPC; the old object of another type goes away', async () => {
    const target = await signUpAs(app);
    const upload = async (contentType: string, bytes: Buffer) => {
      const res = await app.users.call('GetAvatarUploadUrl', { userId: { value: target.id }, contentType, contentSize: String(bytes.length) }, bearer(admin.accessToken));
      expect(res.expiresIn).toEqual({ seconds: '300', nanos: 0 });
      expect((await fetch(res.uploadUrl, { method: 'PUT', headers: { 'content-type': contentType }, body: bytes })).status).toBe(200);
      await app.users.call('ConfirmAvatarUpload', { userId: { value: target.id } }, bearer(admin.accessToken));
    };
    await upload('image/jpeg', Buffer.alloc(300, 1));
    expect(await exists(`users/${target.id}/avatar.jpg`)).toBe(300);
    app.clock.advance(5_000);
    await upload('image/webp', Buffer.alloc(200, 2));
    expect(await exists(`users/${target.id}/avatar.webp`)).toBe(200);
    expect(await exists(`users/${target.id}/avatar.jpg`)).toBeNull();
    const [row] = await app.db.sql<{ avatar_url: string }>('SELECT avatar_url FROM user_profiles WHERE user_id = $1', [target.id]);
    expect(row.avatar_url).toBe(`https://cdn.example.com/media/users/${target.id}/avatar.webp?v=${app.clock.now().getTime()}`);
    await app.users.call('DeleteAvatar', { userId: { value: target.id } }, bearer(admin.accessToken));
    expect(await exists(`users/${target.id}/avatar.webp`)).toBeNull();
  });

  it('refuses an upload that does not match what was announced, oversize or foreign types, and other users', async () => {
    const me = await signUpAs(app);
    const other = await signUpAs(app);
    const none = await app.http('POST', `/v1/users/${me.id}/avatar/confirm`, { token: me.accessToken });
    expect(none.status).toBe(400);
    expect(none.body.error.status).toBe('FAILED_PRECONDITION');

    const res = await app.http('POST', `/v1/users/${me.id}/avatar/upload-url`, { token: me.accessToken, body: { contentType: 'image/png', contentSize: '100' } });
    expect(res.status).toBe(200);
    const notYet = await grpcError(app.users.call('ConfirmAvatarUpload', { userId: { value: me.id } }, bearer(me.accessToken)));
    expect(notYet.code).toBe(grpc.status.FAILED_PRECONDITION);
    // s3rver does not check signatures; the confirmation catches what a real S3 would have refused.
    await fetch(res.body.uploadUrl, { method: 'PUT', headers: { 'content-type': 'image/gif' }, body: Buffer.alloc(150) });
    const mismatch = await grpcError(app.users.call('ConfirmAvatarUpload', { userId: { value: me.id } }, bearer(me.accessToken)));
    expect(mismatch.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(await exists(`users/${me.id}/avatar.png`)).toBeNull();
    const [row] = await app.db.sql<{ avatar_url: string | null }>('SELECT avatar_url FROM user_profiles WHERE user_id = $1', [me.id]);
    expect(row.avatar_url).toBeNull();

    const big = await app.http('POST', `/v1/users/${me.id}/avatar/upload-url`, { token: me.accessToken, body: { contentType: 'image/png', contentSize: MAX + 1 } });
    expect(big.status).toBe(400);
    expect(big.body.error.details[1].fieldViolations[0].field).toBe('contentSize');
    const gif = await app.http('POST', `/v1/users/${me.id}/avatar/upload-url`, { token: me.accessToken, body: { contentType: 'image/gif', contentSize: 10 } });
    expect(gif.status).toBe(400);
    const foreign = await app.http('POST', `/v1/users/${other.id}/avatar/upload-url`, { token: me.accessToken, body: { contentType: 'image/png', contentSize: 10 } });
    expect(foreign.status).toBe(403);
    expect((await app.http('DELETE', `/v1/users/${other.id}/avatar`, { token: me.accessToken })).status).toBe(403);
  });

  it('answers FAILED_PRECONDITION "storage not configured" without S3, and readiness does not care', async () => {
    const me = await signUpAs(bare);
    const rest = await bare.http('POST', `/v1/users/${me.id}/avatar/upload-url`, { token: me.accessToken, body: { contentType: 'image/png', contentSize: 10 } });
    expect(rest.status).toBe(400);
    expect(rest.body.error).toMatchObject({ status: 'FAILED_PRECONDITION', message: 'storage not configured' });
    const viaGrpc = await grpcError(bare.users.call('DeleteAvatar', { userId: { value: me.id } }, bearer(me.accessToken)));
    expect(viaGrpc.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(viaGrpc.details).toBe('storage not configured');
    expect((await bare.http('GET', '/health/ready')).status).toBe(200);
  });
});

function grpcError(p: Promise<unknown>): Promise<GrpcError> {
  return p.then(() => { throw new Error('expected an error'); }, (e: GrpcError) => e);
}
