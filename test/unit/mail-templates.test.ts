import { describe, expect, it } from 'vitest';
import { MAIL_TEMPLATES, type MailTemplate, type MailTemplateData } from '../../src/modules/mail/mail.model';
import { appLink } from '../../src/modules/mail/mail-links';
import { escapeHtml, mailLocaleOf, renderMail } from '../../src/modules/mail/templates/render';

const SAMPLE: MailTemplateData = {
  'welcome-verification': { displayName: 'Ada', link: 'https://app.example.com/verify-email?token=abc', expiresInHours: 24 },
  'email-verification': { displayName: 'Ada', link: 'https://app.example.com/verify-email?token=abc', expiresInHours: 1 },
  'password-reset': { displayName: 'Ada', link: 'https://app.example.com/auth-reset?token=abc', expiresInMinutes: 60 },
  'set-password': { displayName: '', link: 'https://app.example.com/auth-reset?token=abc', expiresInMinutes: 90 },
  'password-changed': { displayName: 'Ada', changedAt: '2026-03-01T10:00:00.000Z', timeZone: 'Europe/Berlin' },
  'mfa-disabled': { displayName: 'Ada', disabledAt: '2026-03-01T10:00:00.000Z', timeZone: 'Not/AZone' },
  'email-changed': { displayName: 'Ada', changedAt: '2026-03-01T10:00:00.000Z', timeZone: 'Europe/Berlin' },
  'oauth-linked': { displayName: 'Ada', provider: 'Google', linkedAt: '2026-03-01T10:00:00.000Z', timeZone: 'Europe/Berlin' },
};

describe('mail templates', () => {
  it.each(MAIL_TEMPLATES.flatMap((t) => ['en', 'de'].map((l) => [t, l] as [MailTemplate, string])))('renders %s in %s as HTML and text', (template, locale) => {
    const mail = renderMail(template, locale, SAMPLE[template] as never);
    expect(mail.locale).toBe(locale);
    expect(mail.subject.length).toBeGreaterThan(5);
    expect(mail.text).not.toMatch(/undefined|NaN|\[object/);
    expect(mail.html).toMatch(/^<!DOCTYPE html>/);
    const link = (SAMPLE[template] as { link?: string }).link;
    if (link) {
      expect(mail.links).toEqual([link]);
      expect(mail.text.split('\n')).toContain(link);
    } else {
      expect(mail.links).toEqual([]);
    }
  });

  it('formats times in the user\'s time zone, UTC when the zone is unknown', () => {
    expect(renderMail('password-changed', 'en', SAMPLE['password-changed']).text).toContain('March 1, 2026 at 11:00:00 AM GMT+1');
    expect(renderMail('mfa-disabled', 'en', SAMPLE['mfa-disabled']).text).toContain('March 1, 2026 at 10:00:00 AM UTC');
    expect(renderMail('password-reset', 'de', SAMPLE['password-reset']).text).toContain('läuft in 1 Stunde ab');
  });

  it('escapes user-supplied text in HTML and never puts a non-http link into an href', () => {
    const mail = renderMail('email-verification', 'en', { displayName: '<script>alert("x")</script>&', link: 'javascript:alert(1)', expiresInHours: 1 });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;');
    expect(mail.html).toContain('href="#"');
    expect(renderMail('email-verification', 'en', { displayName: 'a\r\nBcc: x@y.z', link: 'https://x', expiresInHours: 1 }).text)
      .toContain('Hello a Bcc: x@y.z,');
    expect(escapeHtml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&#39;');
  });

  it('falls back to English for languages without a catalogue', () => {
    expect(mailLocaleOf('de-CH')).toBe('de');
    expect(mailLocaleOf('DE')).toBe('de');
    expect(mailLocaleOf('pt-BR')).toBe('en');
    expect(mailLocaleOf('')).toBe('en');
    expect(mailLocaleOf(undefined)).toBe('en');
    expect(mailLocaleOf('__proto__')).toBe('en');
  });

  it('builds links under APP_URL, each parameter encoded exactly once', () => {
    expect(appLink('https://app.example.com', 'verify-email', { token: 'a+b/c=d&e f%20' }))
      .toBe('https://app.example.com/verify-email?token=a%2Bb%2Fc%3Dd%26e+f%2520');
    expect(appLink('https://app.example.com/portal/', '/auth-reset', { token: 'abc' })).toBe('https://app.example.com/portal/auth-reset?token=abc');
    const link = appLink('http://localhost:3000', 'email-verified', { status: 'error', code: 'expired_token' });
    expect(new URL(link).searchParams.get('code')).toBe('expired_token');
  });
});
