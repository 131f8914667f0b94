import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { UserAdminRepository } from '../../src/modules/user-admin/user-admin.repository';
import { LIST_BATCH_SIZE } from '../../src/modules/user-admin/user-list.service';
import { openStream, signUpAs, type Account } from '../support/users';

const USERS = 200_000;
const MB = 1024 * 1024;

/** A forced full GC when V8 lets us have one, so samples are live memory rather than young garbage. */
function gcFunction(): (() => void) | undefined {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

describe('a large ListUsers stream keeps the server\'s memory flat', () => {
  let app: TestApp;
  let admin: Account;
  let batches = 0;
  beforeAll(async () => {
    app = await bootTestApp();
    admin = await signUpAs(app, 'admin', 'admin');
    await app.db.sql(
      `WITH u AS (
         INSERT INTO users (email, phone, email_verified, password_hash)
         SELECT 'bulk-' || g || '@example.com', '+1555' || lpad(g::text, 7, '0'), g % 2 = 0, 'x' FROM generate_series(1, ${USERS}) g
         RETURNING id, email)
       INSERT INTO user_profiles (user_id, display_name, locale, timezone)
       SELECT id, 'Bulk user ' || split_part(email, '@', 1), 'en', 'Europe/Berlin' FROM u`,
    );
    // Count the database reads of the stream, to see back-pressure hold them.
    const repo = app.running.app.get(UserAdminRepository, { strict: false });
    const listBatch = repo.listBatch.bind(repo);
    repo.listBatch = (...args) => {
      batches += 1;
      return listBatch(...args);
    };
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  });

  it(`streams ${USERS} users over gRPC to a slow client with < 30 MB heap growth, reading the database only as fast as the client`, async () => {
    const gc = gcFunction();
    const heap = () => {
      gc?.();
      return process.memoryUsage().heapUsed;
    };
    const baseline = heap();
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, heap());
    }, gc ? 1_000 : 10);

    batches = 0;
    const call = openStream(app, 'ListUsers', {}, admin.accessToken);
    let received = 0;
    let lastId = '';
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (u: { id: { value: string } }) => {
        received += 1;
        if (u.id.value <= lastId) reject(new Error('out of order'));
        lastId = u.id.value;
        // A slow client: every 20,000 items it stops reading for a while.
        if (received % 20_000 === 0) {
          call.pause();
          setTimeout(() => call.resume(), 150);
        }
      });
      call.on('error', reject);
      call.on('end', resolve);
    });

    // First the client reads nothing at all for a while: the server must stop with it.
    call.pause();
    await new Promise((r) => setTimeout(r, 1_500));
    const batchesWhilePaused = batches;
    peak = Math.max(peak, heap());
    call.resume();
    await done;
    clearInterval(sampler);
    peak = Math.max(peak, heap());

    expect(received).toBe(USERS + 1);
    // Paused, the server read a few batches (flow-control windows and buffers), not the table.
    expect(batchesWhilePaused).toBeLessThanOrEqual(8);
    expect(batches).toBeGreaterThanOrEqual(Math.ceil((USERS + 1) / LIST_BATCH_SIZE));
    const growthMb = (peak - baseline) / MB;
    console.log(`heap growth ${growthMb.toFixed(1)} MB (forced GC: ${gc ? 'yes' : 'no'}), ${batchesWhilePaused} batches read while paused`);
    expect(growthMb).toBeLessThan(30);
  }, 90_000);

  it('holds the database reads back for a slow HTTP (SSE) client too, and stops them when it disconnects', async () => {
    batches = 0;
    const abort = new AbortController();
    const res = await fetch(`${app.httpUrl}/v1/users`, { headers: { authorization: `Bearer ${admin.accessToken}` }, signal: abort.signal });
    const reader = res.body!.getReader();
    await reader.read();
    await new Promise((r) => setTimeout(r, 1_000));
    const settled = batches;
    await new Promise((r) => setTimeout(r, 500));
    const whilePaused = batches;
    // Once the socket buffers (kernel, client) are full, reading stops: no batch in the last 500 ms.
    expect(whilePaused).toBe(settled);
    abort.abort();
    await new Promise((r) => setTimeout(r, 300));
    const afterAbort = batches;
    await new Promise((r) => setTimeout(r, 500));
    expect(whilePaused).toBeLessThan(USERS / LIST_BATCH_SIZE / 10);
    // At most the read that was under way when the connection dropped; then nothing more.
    expect(afterAbort - whilePaused).toBeLessThanOrEqual(1);
    expect(batches).toBe(afterAbort);
  });
});
