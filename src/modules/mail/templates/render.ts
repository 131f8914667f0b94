import type { MailTemplate, MailTemplateData, RenderedMail } from '../mail.model';
import { DE } from './catalog.de';
import { EN } from './catalog.en';
import type { Catalog, CopyHelpers, MailCopy } from './copy';

const CATALOGS: Readonly<Record<string, Catalog>> = { en: EN, de: DE };

/** `de-AT` → `de`; a language without a catalogue (or no locale) → `en`. */
export function mailLocaleOf(locale: string | undefined): string {
  const language = (locale ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return Object.hasOwn(CATALOGS, language) ? language : 'en';
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text into HTML element content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** User-supplied text (display names) keeps to one line in the plain-text part. */
function oneLine(text: string): string {
  return text.replace(/\p{Cc}+/gu, ' ');
}

/** Only http(s) links go into an href: a stored `javascript:` URL would otherwise be clickable. */
function safeUrl(url: string): string {
  return /^https?:\/\//i.test(url) ? url : '#';
}

function helpers(locale: string): CopyHelpers {
  return {
    dateTime(iso, timeZone = 'UTC') {
      const at = new Date(iso);
      const format = (tz: string) =>
        new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'long', timeZone: tz }).format(at);
      try {
        return format(timeZone);
      } catch {
        return format('UTC');
      }
    },
  };
}

/**
 * Renders a template in the recipient's language (English when there is no
 * translation) as HTML and plain text. Every piece of user-supplied text goes
 * through escapeHtml in the HTML part; links stand alone on a line in the text part.
 */
export function renderMail<T extends MailTemplate>(template: T, locale: string | undefined, data: MailTemplateData[T]): RenderedMail {
  const lang = mailLocaleOf(locale);
  const build = CATALOGS[lang][template] as (d: MailTemplateData[T], h: CopyHelpers) => MailCopy;
  const copy = build(data, helpers(lang));
  return {
    subject: oneLine(copy.subject),
    text: textOf(copy),
    html: htmlOf(copy, lang),
    links: copy.action ? [copy.action.url] : [],
    locale: lang,
  };
}

function textOf(copy: MailCopy): string {
  const blocks = [oneLine(copy.greeting), ...copy.paragraphs.map(oneLine)];
  if (copy.action) blocks.push(`${oneLine(copy.action.label)}:\n${copy.action.url}`);
  blocks.push(...(copy.after ?? []).map(oneLine));
  return `${blocks.join('\n\n')}\n`;
}

function htmlOf(copy: MailCopy, lang: string): string {
  const p = (text: string) => `<p style="margin:0 0 16px">${escapeHtml(text)}</p>`;
  const action = copy.action
    ? `<p style="margin:24px 0"><a href="${escapeHtml(safeUrl(copy.action.url))}" style="background:#1f6feb;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block">${escapeHtml(copy.action.label)}</a></p>` +
      `<p style="margin:0 0 16px;font-size:13px;color:#555555;word-break:break-all">${escapeHtml(copy.action.url)}</p>`
    : '';
  return [
    '<!DOCTYPE html>',
    `<html lang="${escapeHtml(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(copy.subject)}</title></head>`,
    '<body style="margin:0;padding:24px;background:#f6f8fa;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#1f2328">',
    '<div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:32px">',
    p(copy.greeting),
    ...copy.paragraphs.map(p),
    action,
    ...(copy.after ?? []).map(p),
    '</div></body></html>',
  ].join('\n');
}
