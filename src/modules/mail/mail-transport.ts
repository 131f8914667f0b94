import type { Transporter } from 'nodemailer';
import type { AppConfig } from '../../config/app-config';
import { parseSmtpUrl } from '../../config/smtp-url';
import type { RenderedMail } from './mail.model';

/** Delivers one rendered mail; throws when the server did not accept it. */
export abstract class MailTransport {
  abstract send(to: string, mail: RenderedMail): Promise<void>;
  abstract close(): void;
}

/**
 * nodemailer over SMTP, used directly: @nestjs-modules/mailer 2.3 requires lodash
 * without declaring it, so it does not load here, and it adds nothing the outbox
 * needs (templates are TypeScript functions). One connection per mail, no pool:
 * nothing stays open between sends to keep the process alive.
 */
export class SmtpMailTransport extends MailTransport {
  private readonly transporter: Transporter;

  constructor(private readonly config: AppConfig['mail']) {
    super();
    const endpoint = parseSmtpUrl(config.smtpUrl!);
    const pass = config.smtpPassword?.reveal() ?? endpoint.urlPassword ?? '';
    // Required here, not at the top: a service without SMTP_URL never loads nodemailer.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createTransport } = require('nodemailer') as typeof import('nodemailer');
    this.transporter = createTransport({
      host: endpoint.host,
      port: endpoint.port,
      secure: endpoint.tls === 'implicit',
      requireTLS: endpoint.tls === 'starttls',
      ignoreTLS: endpoint.tls === 'none',
      auth: endpoint.user ? { user: endpoint.user, pass } : undefined,
      // Well below the outbox lease, so a hung server cannot outlive the claim.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  async send(to: string, mail: RenderedMail): Promise<void> {
    await this.transporter.sendMail({
      from: this.config.sender,
      to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      headers: { 'Auto-Submitted': 'auto-generated', 'Content-Language': mail.locale },
    });
  }

  close(): void {
    this.transporter.close();
  }
}

/** What an SMTP failure says, short and without the message (which holds links with tokens). */
export function describeSendError(e: unknown): string {
  if (!(e instanceof Error)) return 'unknown error';
  const { code, responseCode } = e as Error & { code?: string; responseCode?: number };
  const head = [code, responseCode].filter((x) => x !== undefined && x !== '').join(' ');
  const message = e.message.replace(/\s+/g, ' ').slice(0, 200);
  return head ? `${head}: ${message}` : message;
}
