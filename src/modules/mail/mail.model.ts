/**
 * Every mail the service sends, by template name, with the fields its template
 * reads. The outbox stores these fields as JSON and renders at send time, in the
 * recipient's locale. `link` fields are the only place tokens travel.
 */
export interface MailTemplateData {
  /** After sign-up (or an administrator creating the account): welcome plus a verification link. */
  'welcome-verification': { readonly displayName: string; readonly link: string; readonly expiresInHours: number };
  /** A new verification link (RequestVerification, a changed email). */
  'email-verification': { readonly displayName: string; readonly link: string; readonly expiresInHours: number };
  /** RecoveryStart: a link to choose a new password. */
  'password-reset': { readonly displayName: string; readonly link: string; readonly expiresInMinutes: number };
  /** An administrator asked the user to (re)set their password: same link kind as a reset. */
  'set-password': { readonly displayName: string; readonly link: string; readonly expiresInMinutes: number };
  /** The password was changed (ChangePassword, RecoveryConfirm, administrator SetPassword). */
  'password-changed': { readonly displayName: string; readonly changedAt: string; readonly timeZone?: string };
  /** Two-factor authentication was turned off. */
  'mfa-disabled': { readonly displayName: string; readonly disabledAt: string; readonly timeZone?: string };
  /** To the previous address: the account's email address was changed (never names the new one). */
  'email-changed': { readonly displayName: string; readonly changedAt: string; readonly timeZone?: string };
  /** A social sign-in identity (Google, GitHub...) was linked to the account: by the user, or by its verified email. */
  'oauth-linked': { readonly displayName: string; readonly provider: string; readonly linkedAt: string; readonly timeZone?: string };
}

export type MailTemplate = keyof MailTemplateData;

export const MAIL_TEMPLATES: readonly MailTemplate[] = [
  'welcome-verification', 'email-verification', 'password-reset', 'set-password', 'password-changed', 'mfa-disabled',
  'email-changed', 'oauth-linked',
];

/** One mail to queue: `MailOutbox.enqueue({ to, template, locale, data })`. */
export interface OutgoingMail<T extends MailTemplate = MailTemplate> {
  readonly to: string;
  readonly template: T;
  /** BCP 47 tag such as `de` or `pt-BR`; templates fall back to English. */
  readonly locale?: string;
  readonly data: MailTemplateData[T];
}

/** A mail ready for the transport. */
export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** The links in the mail (logged in development when no SMTP server is configured). */
  readonly links: readonly string[];
  /** The locale actually used. */
  readonly locale: string;
}
