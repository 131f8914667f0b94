import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { grpc } from '../support/grpc-client';
import { collect, openStream, parseSse, restStream, signUpAs, type Account, type StreamError } from '../support/users';

const token = (id: string) => Buffer.from(id).toString('base64url');

describe('ListUsers / ListUsersInfo: filters, paging, SSE and NDJSON', () => {
  let app: TestApp;
  let admin: Account;
  /** 30 users named "Listing <tag> <n>", ids in creation order. */
  let tag: string;
  let ids: string[];
  beforeAll(async () => {
    app = await bootTestApp();
    admin = await signUpAs(app, 'admin', 'admin');
    tag = `t${randomUUID().slice(0, 8)}`;
    // One statement: users and profiles; every 3rd a guest, every 5th suspended, #7 deleted, even ones with a phone.
    await app.db.sql(
      `WITH u AS (
         INSERT INTO users (email, phone, role, status, deleted_at, email_verified, password_hash)
         SELECT $1 || '-' || g || '@example.com',
                CASE WHEN g % 2 = 0 THEN '+4917' || lpad((g * 7919)::text, 8, '0') END,
                CASE WHEN g % 3 = 0 THEN 'guest' ELSE 'user' END,
                CASE WHEN g = 7 THEN 'deleted' WHEN g % 5 = 0 THEN 'suspended' ELSE 'active' END::user_status,
                CASE WHEN g = 7 THEN now() END,
                g % 4 = 0,
                CASE WHEN g % 2 = 1 THEN 'x' END
           FROM generate_series(1, 30) g ORDER BY g
         RETURNING id, email)
       INSERT INTO user_profiles (user_id, display_name, locale, timezone)
       SELECT id, 'Listing ' || upper($1) || ' ' || split_part(split_part(email, '@', 1), '-', 2), 'de', 'Europe/Berlin' FROM u`,
      [tag],
    );
    ids = (await app.db.sql<{ id: string }>(`SELECT id FROM users WHERE email LIKE $1 ORDER BY id`, [`${tag}-%`])).map((r) => r.id);
  });
  afterAll(async () => {
    await app?.close();
  });

  const byNumber = async (numbers: number[]) =>
    (await app.db.sql<{ id: string }>(`SELECT id FROM users WHERE email = ANY($1) ORDER BY id`, [numbers.map((n) => `${tag}-${n}@example.com`)])).map((r) => r.id);
  const live = () => byNumber([...Array(30).keys()].map((i) => i + 1).filter((n) => n !== 7));
  /** Every live user matching "Listing <tag>", including any added by a test. */
  const matching = async () =>
    (await app.db.sql<{ id: string }>(
      `SELECT u.id FROM users u JOIN user_profiles p ON p.user_id = u.id WHERE p.display_name ILIKE $1 AND u.status <> 'deleted' ORDER BY u.id`,
      [`Listing ${tag}%`],
    )).map((r) => r.id);

  it('filters by query (case-insensitive name, email or phone), on both transports, in id order', async () => {
    const all = await collect(app, 'ListUsers', { query: `listing ${tag}` }, admin.accessToken);
    expect(all.map((u) => u.id.value)).toEqual(await live());
    const byEmail = await collect(app, 'ListUsersInfo', { query: `${tag.toUpperCase()}-12@EXAMPLE` }, admin.accessToken);
    expect(byEmail.map((u) => u.id.value)).toEqual(await byNumber([12]));
    const phone = `+4917${String(4 * 7919).padStart(8, '0')}`;
    const byPhone = await restStream(app, `/v1/users/info?query=${encodeURIComponent(phone.slice(0, 10))}&user_ids=${(await byNumber([4]))[0]}`, admin.accessToken);
    expect(byPhone.items.map((u) => u.phone)).toEqual([phone]);
    const rest = await restStream(app, `/v1/users?query=${encodeURIComponent(`Listing ${tag}`)}`, admin.accessToken);
    expect(rest.items.map((u) => u.id)).toEqual(await live());
    // LIKE wildcards are plain characters in a query.
    expect(await collect(app, 'ListUsers', { query: `${tag}%` }, admin.accessToken)).toEqual([]);
  });

  it('filters by ids, statuses and roles; deleted users only when DELETED is asked for', async () => {
    const q = { query: tag };
    const suspended = await collect(app, 'ListUsers', { ...q, statuses: ['USER_STATUS_SUSPENDED'] }, admin.accessToken);
    expect(suspended.map((u) => u.id.value)).toEqual(await byNumber([5, 10, 15, 20, 25, 30]));
    const guests = await restStream(app, `/v1/users?query=${tag}&roles=USER_ROLE_GUEST&statuses=USER_STATUS_ACTIVE,USER_STATUS_SUSPENDED`, admin.accessToken);
    expect(guests.items.map((u) => u.id)).toEqual(await byNumber([3, 6, 9, 12, 15, 18, 21, 24, 27, 30]));
    const deleted = await restStream(app, `/v1/users?query=${tag}&statuses=4`, admin.accessToken);
    expect(deleted.items.map((u) => [u.id, u.status])).toEqual([[(await byNumber([7]))[0], 'USER_STATUS_DELETED']]);
    const pick = await byNumber([1, 2, 7]);
    const some = await collect(app, 'ListUsersInfo', { userIds: pick.map((value) => ({ value })) }, admin.accessToken);
    expect(some.map((u) => u.id.value)).toEqual(await byNumber([1, 2]));
    const [one, two] = await byNumber([1, 2]);
    const camel = await restStream(app, `/v2/users/info?userIds=${one}&userIds=${two},${pick[2]}&roles=USER_ROLE_USER`, admin.accessToken);
    expect(camel.items.map((u) => u.id)).toEqual(await byNumber([1, 2]));
  });

  it('carries every field of User and UserInfo', async () => {
    const [id] = await byNumber([4]);
    await app.db.sql(`UPDATE user_profiles SET avatar_url = 'https://cdn.example.com/a.png?v=1' WHERE user_id = $1`, [id]);
    const [user] = await collect(app, 'ListUsers', { userId: { value: id } }, admin.accessToken);
    const [row] = await app.db.sql<{ created_at: Date; updated_at: Date }>('SELECT created_at, updated_at FROM users WHERE id = $1', [id]);
    expect(user).toEqual({
      id: { value: id }, name: `Listing ${tag.toUpperCase()} 4`, email: `${tag}-4@example.com`, phone: `+4917${String(4 * 7919).padStart(8, '0')}`,
      role: 'USER_ROLE_USER', status: 'USER_STATUS_ACTIVE', emailVerified: true, phoneVerified: false, mfaEnabled: false, hasPassword: false,
      avatarUrl: 'https://cdn.example.com/a.png?v=1', locale: 'de', timezone: 'Europe/Berlin',
      createdAt: { seconds: String(Math.floor(row.created_at.getTime() / 1000)), nanos: (row.created_at.getTime() % 1000) * 1e6 },
      updatedAt: { seconds: String(Math.floor(row.updated_at.getTime() / 1000)), nanos: (row.updated_at.getTime() % 1000) * 1e6 },
    });
    const rest = await restStream(app, `/v1/users?user_id=${id}`, admin.accessToken, { accept: 'application/x-ndjson' });
    expect(rest.items[0]).toMatchObject({ id, emailVerified: true, hasPassword: false, createdAt: row.created_at.toISOString() });
    const info = await restStream(app, `/v1/users/info?user_id=${id}`, admin.accessToken);
    expect(Object.keys(info.items[0]).sort()).toEqual(['avatarUrl', 'email', 'id', 'locale', 'name', 'phone', 'role', 'status', 'timezone']);
  });

  it('pages with page_size and page_token (the base64url of the last id), stable under concurrent inserts', async () => {
    const q = { query: `listing ${tag}`, pageSize: 10 };
    const first = await collect(app, 'ListUsers', q, admin.accessToken);
    expect(first.map((u) => u.id.value)).toEqual((await live()).slice(0, 10));
    // A user created between two pages: ids are time-ordered, so it lands after everything listed so far.
    const late = await app.db.sql<{ id: string }>(
      `WITH u AS (INSERT INTO users (email) VALUES ($1) RETURNING id) INSERT INTO user_profiles (user_id, display_name) SELECT id, $2 FROM u RETURNING user_id AS id`,
      [`${tag}-late@example.com`, `Listing ${tag} late`],
    );
    const second = await restStream(app, `/v1/users?query=${encodeURIComponent(q.query)}&page_size=10&page_token=${token(first[9].id.value)}`, admin.accessToken);
    expect(second.items.map((u) => u.id)).toEqual((await live()).slice(10, 20));
    const third = await collect(app, 'ListUsersInfo', { ...q, pageToken: token(second.items[9].id) }, admin.accessToken);
    expect(third.map((u) => u.id.value)).toEqual([...(await live()).slice(20), late[0].id]);
    expect(new Set([...first.map((u) => u.id.value), ...second.items.map((u) => u.id), ...third.map((u) => u.id.value)]).size).toBe(30);
  });

  it('answers INVALID_ARGUMENT for a tampered page token or a bad filter, on both transports', async () => {
    const bad = await collect(app, 'ListUsers', { pageToken: 'not-a-token' }, admin.accessToken).catch((e: StreamError) => e);
    expect((bad as StreamError).code).toBe(grpc.status.INVALID_ARGUMENT);
    const flipped = `${token(ids[0]).slice(0, 10)}_${token(ids[0]).slice(11)}`;
    const rest = await app.http('GET', `/v1/users?page_token=${flipped}`, { token: admin.accessToken });
    expect(rest.status).toBe(400);
    expect(rest.body.error.details[1].fieldViolations[0].field).toBe('pageToken');
    expect((await app.http('GET', '/v1/users?page_size=-1', { token: admin.accessToken })).status).toBe(400);
    expect((await app.http('GET', '/v1/users?statuses=USER_STATUS_GONE', { token: admin.accessToken })).status).toBe(400);
    expect((await app.http('GET', '/v1/users?user_ids=nope', { token: admin.accessToken })).status).toBe(400);
    const badIds = await collect(app, 'ListUsers', { userIds: [{ value: 'nope' }] }, admin.accessToken).catch((e: StreamError) => e);
    expect((badIds as StreamError).code).toBe(grpc.status.INVALID_ARGUMENT);
    expect((await app.http('GET', '/v1/users', {})).status).toBe(401);
  });

  it('sends SSE with an id per item, resumes after Last-Event-ID when a connection drops, and NDJSON on request', async () => {
    const path = `/v1/users?query=${encodeURIComponent(`Listing ${tag}`)}`;
    const full = await restStream(app, path, admin.accessToken);
    expect(full.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(full.events.map((e) => e.id)).toEqual(await matching());
    expect(full.events.every((e) => JSON.parse(e.data).id === e.id)).toBe(true);

    // Read until the 12th event has arrived, then drop the connection.
    const abort = new AbortController();
    const res = await fetch(app.httpUrl + path, { headers: { authorization: `Bearer ${admin.accessToken}` }, signal: abort.signal });
    const reader = res.body!.getReader();
    let text = '';
    while (parseSse(text.slice(0, text.lastIndexOf('\n\n') + 2)).length < 12) text += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    const seen = parseSse(text.slice(0, text.lastIndexOf('\n\n') + 2));
    const lastId = seen[seen.length - 1].id!;
    const resumed = await restStream(app, path, admin.accessToken, { 'last-event-id': lastId });
    expect([...seen.map((e) => e.id), ...resumed.events.map((e) => e.id)]).toEqual(await matching());

    // Resuming after the very last item: nothing left, 204 tells EventSource to stop reconnecting.
    const done = await restStream(app, path, admin.accessToken, { 'last-event-id': (await matching()).at(-1)! });
    expect(done.status).toBe(204);
    expect((await app.http('GET', path, { token: admin.accessToken, headers: { 'last-event-id': 'garbage' } })).status).toBe(400);

    const nd = await restStream(app, path, admin.accessToken, { accept: 'application/x-ndjson' });
    expect(nd.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(nd.items.map((u) => u.id)).toEqual(await matching());
    expect(nd.text.endsWith('\n')).toBe(true);
  });

  it('stops reading the database when the client goes away (gRPC cancel, HTTP disconnect)', async () => {
    await app.db.sql(
      `WITH u AS (INSERT INTO users (email) SELECT 'bulk-' || $1 || '-' || g || '@example.com' FROM generate_series(1, 6000) g RETURNING id)
       INSERT INTO user_profiles (user_id, display_name) SELECT id, 'Bulk' FROM u`,
      [tag],
    );
    const call = openStream(app, 'ListUsers', {}, admin.accessToken);
    let received = 0;
    await new Promise<void>((resolve) => {
      call.on('data', () => {
        received += 1;
        if (received === 5) {
          call.cancel();
          resolve();
        }
      });
    });
    call.on('error', () => undefined);
    const stopped = () => app.logs.filter((l) => l.includes('ListUsers stream stopped: the client went away'));
    await expect.poll(() => stopped().length, { timeout: 5_000 }).toBe(1);
    expect(JSON.parse(stopped()[0]).sent).toBeLessThan(6000);

    const abort = new AbortController();
    const res = await fetch(`${app.httpUrl}/v1/users/info`, { headers: { authorization: `Bearer ${admin.accessToken}` }, signal: abort.signal });
    await res.body!.getReader().read();
    abort.abort();
    const httpStopped = () => app.logs.filter((l) => l.includes('ListUsersInfo stream stopped: the client went away'));
    await expect.poll(() => httpStopped().length, { timeout: 5_000 }).toBe(1);
    expect(JSON.parse(httpStopped()[0]).sent).toBeLessThan(6000);
  });
});
