import { describe, expect, it } from 'vitest';
import { scrubEvent, scrubString } from '../../src/common/observability/sentry-scrub';

describe('Sentry event scrubbing', () => {
  it('replaces credentials and personal data inside free text', () => {
    const refresh = 'q3J8dV0sLmZ2kR9xWb1nT4yE7uP6aC5hG2fD8sA0zXc';
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXZhbHVlLWhlcmU';
    const hash = '$argon2id$v=19$m=19456,t=2,p=1$0nCtHOfeBuTgEcEZ9xBHgg$I5xB5PblWFlZ4wW/xHexZ8JlR3B7RyUqzE6j+C8+/2o';
    const bcrypt = '$2b$10$' + 'N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy';
    const text = `key (email)=(Ada.Lovelace@example.com) phone +491701234567 token ${refresh} auth Bearer ${jwt} ` +
      `hash ${hash} old ${bcrypt} link https://app.example.com/verify-email?token=${refresh}&x=1`;
    const out = scrubString(text);
    for (const secret of ['Ada.Lovelace', '491701234567', refresh, jwt, 'I5xB5PblWFlZ4wW', '0nCtHOfeBuTgEcEZ9xBHgg', bcrypt.slice(7)]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('[email]');
    expect(out).toContain('https://app.example.com/verify-email?[redacted]');
  });

  it('keeps ids, trace ids and code locations readable', () => {
    const text = 'user 01a23740-af16-7110-b7b2-56d47566b243 trace a1878cefea5a6d1c00c2989661271717 at router-execution-context-host-wrapper';
    expect(scrubString(text)).toBe(text);
  });

  it('reduces the request to method and URL and drops user, extra and secret keys', () => {
    const event = scrubEvent({
      request: { method: 'POST', url: 'https://h/v1/auth/authenticate?token=abc', headers: { authorization: 'Bearer x' }, cookies: { s: '1' }, data: '{"password":"p"}' },
      user: { email: 'a@b.co', ip_address: '10.0.0.1' },
      extra: { anything: 1 },
      contexts: { custom: { password: 'hunter2', refreshToken: 'r', note: 'mail ada@example.com' } },
      exception: { values: [{ value: 'boom', stacktrace: { frames: [{ filename: '/app/dist/x.js', vars: { password: 'hunter2' } }] } }] },
    } as any);
    expect(event.request).toEqual({ method: 'POST', url: 'https://h/v1/auth/authenticate' });
    expect(event.user).toBeUndefined();
    expect(event.extra).toBeUndefined();
    expect((event as any).contexts.custom).toEqual({ note: 'mail [email]' });
    expect((event as any).exception.values[0].stacktrace.frames[0]).toEqual({ filename: '/app/dist/x.js' });
  });
});
