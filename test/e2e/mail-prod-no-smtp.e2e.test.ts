import { afterEach, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { credentials, uniqueEmail } from '../support/factories';
import { OutboxWorker } from '../../src/modules/mail/outbox-worker.service';

// One app per file: nestjs-pino keeps one root logger per process, so a second app
// booted in the same file would write its log lines into the first app's capture.
describe('without SMTP_URL (production)', () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  const outboxRowsTo = (recipient: string) =>
    app!.db.sql<{ status: string; attempts: number; data: Record<string, unknown> }>('SELECT status, attempts, data FROM mail_outbox WHERE recipient = $1', [recipient]);

  it('production warns once and keeps mail queued, logging no token', async () => {
    app = await bootTestApp({ NODE_ENV: 'production', MAIL_OUTBOX_POLL_MS: '25', RATE_LIMIT_ENABLED: 'false' });
    const warnings = app.logs.filter((l) => l.includes('SMTP_URL is not set'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]).level).toBe(40); // warn
    const email = uniqueEmail('prod');
    await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    await app.running.app.get(OutboxWorker).runOnce();
    const [row] = await outboxRowsTo(email);
    expect(row).toMatchObject({ status: 'pending', attempts: 0 });
    expect(app.logs.filter((l) => l.includes(new URL(String(row.data.link)).searchParams.get('token')!))).toEqual([]);
    expect(app.logs.filter((l) => l.includes('SMTP_URL is not set'))).toHaveLength(1);
  });
});
