import type { MailTemplate, MailTemplateData } from '../mail.model';

/** The words of one mail, as plain text; the layout escapes them for HTML. */
export interface MailCopy {
  readonly subject: string;
  readonly greeting: string;
  readonly paragraphs: readonly string[];
  readonly action?: { readonly label: string; readonly url: string };
  /** Paragraphs after the action (what to do if it was not you...). */
  readonly after?: readonly string[];
}

export interface CopyHelpers {
  /** A timestamp in the catalogue's language, in `timeZone` (UTC by default). */
  dateTime(iso: string, timeZone?: string): string;
}

/** One language: a copy function per template (a missing template does not compile). */
export type Catalog = { readonly [T in MailTemplate]: (data: MailTemplateData[T], h: CopyHelpers) => MailCopy };
