import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/common/clock';
import { MailOutbox } from '../../src/modules/mail/mail-outbox.service';
import { MAIL_LEASE_MS, OutboxWorker } from '../../src/modules/mail/outbox-worker.service';
import { bootTestApp, bootTestAppOn, type TestApp } from '../support/app';
import { credentials, uniqueEmail } from '../support/factories';
import { eventually, startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { createTestDatabase, type TestDatabase } from '../support/test-db';

const HOUR = 3_600_000;

interface OutboxRow {
  status: string;
  attempts: number;
  available_at: Date;
  data: Record<string, unknown>;
  last_error: string | null;
}

async function outboxRowsTo(app: { db: TestDatabase }, recipient: string): Promise<OutboxRow[]> {
  return app.db.sql<OutboxRow & Record<string, unknown>>(
    'SELECT status, attempts, available_at, data, last_error FROM mail_outbox WHERE recipient = $1 ORDER BY created_at',
    [recipient],
  );
}

function tokenIn(row: OutboxRow): string {
  return new URL(String(row.data.link)).searchParams.get('token')!;
}

describe('the outbox under SMTP refusals', () => {
  let smtp: SmtpSink;
  let app: TestApp;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    app = await bootTestApp({ SMTP_URL: smtp.url, MAIL_OUTBOX_POLL_MS: '25', MAIL_MAX_ATTEMPTS: '4', MAIL_RETRY_BASE_SECONDS: '60' });
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
  });

  it('a server refusing mail for a while delays delivery with back-off but loses nothing', async () => {
    const email = uniqueEmail('busy');
    smtp.refuse(email, 3);
    expect((await app.http('POST', '/v1/auth/signup', { body: credentials(email) })).status).toBe(200);
    for (let refused = 1; refused <= 3; refused++) {
      await eventually(() => smtp.refusals.filter((r) => r === email).length === refused, `refusal ${refused}`);
      await eventually(async () => (await outboxRowsTo(app, email))[0].status === 'pending', 'the retry to be scheduled');
      const [row] = await outboxRowsTo(app, email);
      expect(row.attempts).toBe(refused);
      expect(row.last_error).toMatch(/451/);
      // Exponential back-off (60 s · 2^(n-1), ±20 %), on the injected clock.
      const wait = row.available_at.getTime() - app.clock.now().getTime();
      expect(wait).toBeGreaterThanOrEqual(0.8 * 60_000 * 2 ** (refused - 1));
      expect(wait).toBeLessThanOrEqual(1.2 * 60_000 * 2 ** (refused - 1));
      await app.running.app.get(OutboxWorker).runOnce();
      expect(smtp.mailsTo(email)).toEqual([]);
      app.clock.advance(wait);
    }
    const [mail] = await smtp.waitFor(email);
    expect(mail.subject).toMatch(/Welcome/);
    await eventually(async () => (await outboxRowsTo(app, email))[0].status === 'sent', 'the row to be marked sent');
    const [row] = await outboxRowsTo(app, email);
    expect(row).toMatchObject({ attempts: 4, data: {}, last_error: null });
    expect(smtp.mailsTo(email)).toHaveLength(1);
  });

  it('gives up after MAIL_MAX_ATTEMPTS, logs it without the body or the token, and keeps no token', async () => {
    const email = uniqueEmail('bounce');
    smtp.refuse(email, 100, 450);
    await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    await eventually(() => smtp.refusals.includes(email), 'the first refusal');
    const token = tokenIn((await outboxRowsTo(app, email))[0]);
    // Each time the retry is scheduled, move the clock past it (the worker keeps polling).
    await eventually(async () => {
      const [r] = await outboxRowsTo(app, email);
      if (r.status === 'pending') app.clock.advance(12 * HOUR);
      return r.status === 'failed';
    }, 'the mail to be given up');
    const [row] = await outboxRowsTo(app, email);
    expect(row).toMatchObject({ status: 'failed', attempts: 4, data: {} });
    expect(smtp.refusals.filter((r) => r === email)).toHaveLength(4);
    expect(smtp.mailsTo(email)).toEqual([]);
    const gaveUp = app.logs.filter((l) => l.includes('failed after 4 attempts, giving up'));
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toMatch(/welcome-verification/);
    expect(app.logs.filter((l) => l.includes(token))).toEqual([]);
    expect(app.logs.filter((l) => l.includes('Welcome!'))).toEqual([]);
  });
});

describe('a crash between commit and send', () => {
  let smtp: SmtpSink;
  let db: TestDatabase;
  const apps: TestApp[] = [];
  beforeAll(async () => {
    smtp = await startSmtpSink();
    db = await createTestDatabase();
  });
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
  });
  afterAll(async () => {
    await smtp?.close();
    await db?.drop();
  });

  it('delivers what was committed but not sent once the service is back', async () => {
    // The first process commits the user and its mail but never sends (worker off, as if killed before sending).
    const first = await bootTestAppOn(db, { MAIL_OUTBOX_POLL_MS: '0', SMTP_URL: smtp.url });
    apps.push(first);
    const email = uniqueEmail('crash');
    expect((await first.http('POST', '/v1/auth/signup', { body: credentials(email) })).status).toBe(200);
    expect((await outboxRowsTo(first, email))[0].status).toBe('pending');
    await first.close();
    apps.pop();
    expect(smtp.mailsTo(email)).toEqual([]);

    const second = await bootTestAppOn(db, { MAIL_OUTBOX_POLL_MS: '25', SMTP_URL: smtp.url });
    apps.push(second);
    const [mail] = await smtp.waitFor(email);
    expect(mail.links[0]).toMatch(/\/verify-email\?token=/);
    await eventually(async () => (await outboxRowsTo(second, email))[0]?.status === 'sent', 'the row to be marked sent');
  });

  it('takes over a mail whose sender died mid-send once its lease runs out', async () => {
    const clock = new ManualClock();
    const app = await bootTestAppOn(db, { MAIL_OUTBOX_POLL_MS: '25', SMTP_URL: smtp.url }, { clock });
    apps.push(app);
    const email = uniqueEmail('lease');
    // As a replica leaves it when killed right after claiming: in flight, leased for MAIL_LEASE_MS.
    await db.sql(
      `INSERT INTO mail_outbox (recipient, template, locale, data, status, attempts, available_at, lease_id, created_at, updated_at)
       VALUES ($1, 'password-changed', 'en', $2, 'sending', 1, $3, gen_random_uuid(), $4, $4)`,
      [email, JSON.stringify({ displayName: 'Ada', changedAt: clock.now().toISOString() }), new Date(clock.now().getTime() + MAIL_LEASE_MS), clock.now()],
    );
    await app.running.app.get(OutboxWorker).runOnce();
    expect(smtp.mailsTo(email)).toEqual([]);
    clock.advance(MAIL_LEASE_MS + 1);
    const [mail] = await smtp.waitFor(email);
    expect(mail.subject).toBe('Your password was changed');
    await eventually(async () => (await outboxRowsTo(app, email))[0]?.attempts === 2, 'the second attempt to be recorded');
  });

  it('two replicas on one database never send the same mail twice', async () => {
    const clock = new ManualClock();
    const env = { MAIL_OUTBOX_POLL_MS: '5', SMTP_URL: smtp.url };
    const a = await bootTestAppOn(db, env, { clock });
    apps.push(a);
    const b = await bootTestAppOn(db, env, { clock });
    apps.push(b);
    const recipients = Array.from({ length: 60 }, () => uniqueEmail('twin'));
    await Promise.all(recipients.map((to, i) =>
      (i % 2 ? a : b).running.app.get(MailOutbox).enqueue({
        to, template: 'password-changed', locale: 'en', data: { displayName: 'Twin', changedAt: clock.now().toISOString() },
      })));
    await eventually(() => recipients.every((r) => smtp.mailsTo(r).length > 0), 'all 60 mails');
    // A few more passes of both workers: still exactly one copy each.
    await Promise.all([a.running.app.get(OutboxWorker).runOnce(), b.running.app.get(OutboxWorker).runOnce()]);
    await new Promise((r) => setTimeout(r, 100));
    expect(recipients.map((r) => smtp.mailsTo(r).length)).toEqual(recipients.map(() => 1));
    const rows = await db.sql<{ status: string; attempts: number }>('SELECT status, attempts FROM mail_outbox WHERE recipient = ANY($1)', [recipients]);
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  });
});
