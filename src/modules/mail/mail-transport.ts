import type { LazyModuleLoader } from '@nestjs/core';
import type { MailerOptions, MailerService } from '@nestjs-modules/mailer';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { parseSmtpUrl } from '../../config/smtp-url';
import type { RenderedMail } from './mail.model';

/** Delivers one rendered mail; throws when the server did not accept it. */
export abstract class MailTransport {
  abstract send(to: string, mail: RenderedMail): Promise<void>;
  abstract close(): void;
}

/**
 * MailerModule's options from SMTP_URL / SMTP_PASSWORD: one nodemailer SMTP transport,
 * one connection per mail and no pool, so nothing stays open between sends to keep the
 * process alive. No template engine: the typed templates render before the outbox sends.
 */
export function mailerOptions(mail: AppConfig['mail']): MailerOptions {
  const endpoint = parseSmtpUrl(mail.smtpUrl!);
  const pass = mail.smtpPassword?.reveal() ?? endpoint.urlPassword ?? '';
  return {
    transport: {
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
    },
  };
}

/**
 * Sends through @nestjs-modules/mailer: MailerService over its nodemailer transport.
 * MailerModule is a lazily loaded Nest module, loaded only when SMTP_URL is set: a
 * service without SMTP loads neither it nor nodemailer (idle memory), and MailerService
 * cannot even be built without a transport. Nest does not promise lifecycle hooks to
 * lazily loaded modules, so close() ends the transport itself (the worker calls it at
 * shutdown) instead of relying on MailerService's onModuleDestroy; closing twice is harmless.
 */
export class SmtpMailTransport extends MailTransport {
  private constructor(
    private readonly mailer: MailerService,
    private readonly sender: string,
  ) {
    super();
  }

  static async load(lazyModules: LazyModuleLoader, config: AppConfig['mail']): Promise<SmtpMailTransport> {
    const { MailerModule, MailerService } = await import('@nestjs-modules/mailer');
    const mailerModule = await lazyModules.load(() =>
      MailerModule.forRootAsync({ imports: [], inject: [APP_CONFIG], useFactory: (app: AppConfig) => mailerOptions(app.mail) }),
    );
    return new SmtpMailTransport(mailerModule.get(MailerService, { strict: false }), config.sender);
  }

  async send(to: string, mail: RenderedMail): Promise<void> {
    // No `context`: MailerService then leaves {{...}} in subject and body alone, so text a
    // user typed (already escaped by the templates) is never interpolated a second time.
    await this.mailer.sendMail({
      from: this.sender,
      to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      headers: { 'Auto-Submitted': 'auto-generated', 'Content-Language': mail.locale },
    });
  }

  close(): void {
    this.mailer.getTransporter().close();
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
