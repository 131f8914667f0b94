import { afterEach, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { credentials, uniqueEmail } from '../support/factories';
import { eventually } from '../support/smtp-sink';

// One app per file: nestjs-pino keeps one root logger per process, so a second app
// booted in the same file would write its log lines into the first app's capture.
describe('without SMTP_URL (development)', () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  const outboxRowsTo = (recipient: string) =>
    app!.db.sql<{ status: string; attempts: number; data: Record<string, unknown> }>('SELECT status, attempts, data FROM mail_outbox WHERE recipient = $1', [recipient]);

  it('development logs each mail\'s subject and links instead of sending, and says so at startup', async () => {
    app = await bootTestApp({ NODE_ENV: 'development', MAIL_OUTBOX_POLL_MS: '25', RATE_LIMIT_ENABLED: 'false', APP_URL: 'http://localhost:5173' });
    expect(app.logs.some((l) => l.includes('SMTP_URL is not set (development)'))).toBe(true);
    const email = uniqueEmail('dev');
    await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    await eventually(() => app!.logs.some((l) => l.includes('Mail not sent (no SMTP_URL)') && l.includes(email)), 'the mail log line');
    const line = JSON.parse(app.logs.find((l) => l.includes('Mail not sent (no SMTP_URL)') && l.includes(email))!);
    expect(line.level).toBe(30); // info
    expect(line.msg).toMatch(/"Welcome! Please confirm your email address"/);
    expect(line.msg).toMatch(/http:\/\/localhost:5173\/verify-email\?token=[A-Za-z0-9_-]{43}/);
    await eventually(async () => (await outboxRowsTo(email))[0].status === 'sent', 'the row to be marked sent');
  });
});
