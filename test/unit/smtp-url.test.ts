import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/app-config';
import { parseSmtpUrl } from '../../src/config/smtp-url';

describe('SMTP_URL', () => {
  it('reads host, port, user and the TLS mode', () => {
    expect(parseSmtpUrl('smtp://mailer%40corp@mail.example.com:2525?tls=none')).toEqual({
      host: 'mail.example.com', port: 2525, tls: 'none', user: 'mailer@corp', urlPassword: undefined,
    });
    expect(parseSmtpUrl('smtp://mail.example.com')).toMatchObject({ port: 587, tls: 'starttls', user: '' });
    expect(parseSmtpUrl('smtp://mail.example.com?tls=implicit')).toMatchObject({ port: 465, tls: 'implicit' });
    expect(parseSmtpUrl('smtps://u:p%21@mail.example.com')).toMatchObject({ port: 465, tls: 'implicit', user: 'u', urlPassword: 'p!' });
    expect(parseSmtpUrl('smtp://[::1]:25?tls=none')).toMatchObject({ host: '::1', port: 25 });
  });

  it('refuses unknown TLS modes and contradictions, naming the variable but not the value', () => {
    expect(() => parseSmtpUrl('smtp://h?tls=maybe')).toThrow('tls must be starttls, none or implicit');
    expect(() => parseSmtpUrl('smtps://h?tls=none')).toThrow('implicit');
    expect(() => loadConfig({ SMTP_URL: 'smtp://user:hunter2@h?tls=bogus' })).toThrow(/SMTP_URL tls must be/);
    try {
      loadConfig({ SMTP_URL: 'smtp://user:hunter2@h?tls=bogus' });
    } catch (e) {
      expect(String(e)).not.toContain('hunter2');
    }
    expect(() => loadConfig({ SMTP_URL: 'http://h' })).toThrow(/SMTP_URL must be a URL/);
  });

  it('has outbox defaults and bounds', () => {
    const c = loadConfig({});
    expect(c.mail).toMatchObject({ outboxPollMs: 1000, maxAttempts: 8, retryBaseSeconds: 30 });
    expect(() => loadConfig({ MAIL_MAX_ATTEMPTS: '0' })).toThrow(/MAIL_MAX_ATTEMPTS/);
  });
});
