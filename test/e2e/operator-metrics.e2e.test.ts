import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ROOT } from '../../src/paths';
import { bootTestApp, type TestApp } from '../support/app';
import { credentials, forGrpc, uniqueEmail } from '../support/factories';

const DASHBOARD = path.join(APP_ROOT, 'helm', 'auth-service', 'dashboards', 'auth-service.json');

/** The metric names a PromQL expression reads (a histogram's _bucket/_sum/_count named by its family). */
function metricsOf(expr: string): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/\b([a-z_][a-z0-9_]*)\s*(?:\{|\[)/g)) names.add(m[1].replace(/_(bucket|sum|count)$/, ''));
  return [...names];
}

function sample(text: string, line: RegExp): number {
  const m = text.split('\n').map((l) => line.exec(l)).find(Boolean);
  return m ? Number(m[1]) : NaN;
}

describe('metrics operators chart', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp({ MAX_FAILED_LOGIN_ATTEMPTS: '3', REFRESH_REUSE_GRACE_SECONDS: '10' });
  });
  afterAll(async () => {
    await app?.close();
  });

  const scrape = async () => (await app.http('GET', '/metrics')).text as string;

  it('every metric the Grafana dashboard charts exists on /metrics', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
    const charted = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => metricsOf(t.expr))));
    expect(charted.size).toBeGreaterThanOrEqual(9);
    const text = await scrape();
    const missing = [...charted].filter((name) => !new RegExp(`^# TYPE ${name} `, 'm').test(text));
    expect(missing).toEqual([]);
  });

  it('counts sign-in outcomes by status, the same on both transports', async () => {
    const email = uniqueEmail('metrics');
    await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    const before = await scrape();
    const failed = (t: string) => sample(t, /^auth_sign_in_outcomes_total\{outcome="failed"\} (\d+)/);
    const success = (t: string) => sample(t, /^auth_sign_in_outcomes_total\{outcome="success"\} (\d+)/);
    await app.http('POST', '/v1/auth/authenticate', { body: credentials(email, 'wrong-password-1') });
    await app.auth.call('Authenticate', forGrpc(credentials(email, 'wrong-password-1')));
    await app.auth.call('Authenticate', forGrpc(credentials(email)));
    const after = await scrape();
    expect(failed(after) - (failed(before) || 0)).toBe(2);
    expect(success(after) - success(before)).toBe(1);
  });

  it('reports the password-hash queue: its depth by state and the wait of every hash for a slot', async () => {
    const count = (t: string) => sample(t, /^password_hash_queue_wait_seconds_count (\d+)/);
    const before = count(await scrape());
    await Promise.all(Array.from({ length: 6 }, () => app.http('POST', '/v1/auth/authenticate', { body: credentials(uniqueEmail('hash'), 'wrong-password-1') })));
    const after = await scrape();
    // An unknown identifier still spends one (dummy) verify each.
    expect(count(after) - before).toBe(6);
    expect(sample(after, /^password_hash_queue_depth\{state="running"\} (\d+)/)).toBe(0);
    expect(sample(after, /^password_hash_queue_depth\{state="waiting"\} (\d+)/)).toBe(0);
  });

  it('counts a lockout once, when the threshold-th wrong password imposes it', async () => {
    const email = uniqueEmail('locked');
    await app.http('POST', '/v1/auth/signup', { body: credentials(email) });
    const lockouts = (t: string) => sample(t, /^auth_lockouts_total (\d+)/);
    const before = lockouts(await scrape());
    const answers = await Promise.all(Array.from({ length: 8 }, () => app.auth.call('Authenticate', forGrpc(credentials(email, 'wrong-password-1')))));
    expect(answers.filter((a) => a.status === 'AUTH_STATUS_LOCKED').length).toBeGreaterThan(0);
    expect(lockouts(await scrape()) - before).toBe(1);
  });

  it('counts a refresh token reused after its grace window', async () => {
    const signUp = await app.http('POST', '/v1/auth/signup', { body: credentials(uniqueEmail('reuse')) });
    const r0 = signUp.body.tokens.refreshToken as string;
    expect((await app.http('POST', '/v1/auth/token/refresh', { body: { refreshToken: r0 } })).status).toBe(200);
    app.clock.advance(11_000);
    const reuse = (t: string) => sample(t, /^auth_refresh_token_reuse_detected_total (\d+)/);
    const before = reuse(await scrape());
    expect((await app.http('POST', '/v1/auth/token/refresh', { body: { refreshToken: r0 } })).status).toBe(401);
    expect(reuse(await scrape()) - before).toBe(1);
  });

  it('reports the outbox backlog and the age of its oldest mail from the table', async () => {
    await app.db.sql(
      `INSERT INTO mail_outbox (recipient, template, locale, data, status, available_at, created_at, updated_at)
       VALUES ('a@example.com', 'password-changed', 'en', '{}', 'pending', $1, $2, $2)`,
      [new Date(app.clock.now().getTime() + 3_600_000), new Date(app.clock.now().getTime() - 120_000)],
    );
    const text = await scrape();
    expect(sample(text, /^mail_outbox_backlog (\d+)/)).toBeGreaterThanOrEqual(1);
    expect(sample(text, /^mail_outbox_oldest_age_seconds ([\d.e+]+)/)).toBeGreaterThanOrEqual(110);
  });
});
