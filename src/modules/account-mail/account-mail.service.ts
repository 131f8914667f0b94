import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { newOpaqueToken } from '../../common/crypto/opaque-token';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { Db } from '../../database/db';
import { appLink } from '../mail/mail-links';
import { MailOutbox } from '../mail/mail-outbox.service';
import type { UserRecord } from '../users/user.model';
import { RecoveryTokensRepository } from './recovery-tokens.repository';

/** The fields of a user the account mails need (a UserRecord fits). */
export type MailRecipient = Pick<UserRecord, 'id' | 'email' | 'displayName' | 'locale'> & { readonly timezone?: string };

/** Front-end routes the links point to (API.md). */
export const VERIFY_EMAIL_PATH = 'verify-email';
export const RESET_PASSWORD_PATH = 'auth-reset';

/**
 * The account mails other modules queue: sign-up, RequestVerification,
 * RecoveryStart, ChangePassword, and the administration API (CreateUser,
 * UpdateUser, SetPassword). Each call writes its token (if any) and the outbox
 * row in one transaction, joining the caller's `db.transaction` when there is
 * one, so the mail commits or rolls back with the change that caused it.
 * Each answers false, queuing nothing, when the user has no email address.
 */
@Injectable()
export class AccountMailService {
  constructor(
    private readonly db: Db,
    private readonly tokens: RecoveryTokensRepository,
    private readonly outbox: MailOutbox,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Welcome plus a verification link: after sign-up or when an administrator creates
   * the account. `signupInstallationId`: the installation whose sign-up set the
   * pending password (EmailVerificationService keeps it only for that installation).
   */
  async queueWelcomeVerification(user: MailRecipient, signupInstallationId: string | null = null): Promise<boolean> {
    return this.queueVerificationLink(user, 'welcome-verification', signupInstallationId);
  }

  /**
   * A new verification link (RequestVerification; an administrator changed the
   * address; a repeated sign-up of a pending account, with its installation). Earlier links stop working.
   */
  async queueVerification(user: MailRecipient, signupInstallationId: string | null = null): Promise<boolean> {
    return this.queueVerificationLink(user, 'email-verification', signupInstallationId);
  }

  /** A password reset link (RecoveryStart). Earlier reset links stop working. */
  async queuePasswordReset(user: MailRecipient): Promise<boolean> {
    return this.queueResetLink(user, 'password-reset');
  }

  /**
   * A link to set a password, for an account an administrator created without one
   * or asked to choose a new one. The same token as a reset: RecoveryConfirm takes it.
   */
  async queueSetPasswordLink(user: MailRecipient): Promise<boolean> {
    return this.queueResetLink(user, 'set-password');
  }

  /** The "your password was changed" notice (ChangePassword, RecoveryConfirm, administrator SetPassword). */
  async queuePasswordChanged(user: MailRecipient): Promise<boolean> {
    if (!user.email) return false;
    await this.outbox.enqueue({
      to: user.email,
      template: 'password-changed',
      locale: user.locale,
      data: { displayName: user.displayName, changedAt: this.clock.now().toISOString(), timeZone: user.timezone },
    });
    return true;
  }

  /** The "sign-in with <provider> was added" notice (an OAuth identity linked to the account). */
  async queueOAuthLinked(user: MailRecipient, provider: string): Promise<boolean> {
    if (!user.email) return false;
    await this.outbox.enqueue({
      to: user.email,
      template: 'oauth-linked',
      locale: user.locale,
      data: { displayName: user.displayName, provider, linkedAt: this.clock.now().toISOString(), timeZone: user.timezone },
    });
    return true;
  }

  private async queueVerificationLink(
    user: MailRecipient, template: 'welcome-verification' | 'email-verification', signupInstallationId: string | null,
  ): Promise<boolean> {
    const email = user.email;
    if (!email) return false;
    const now = this.clock.now();
    const hours = this.config.recovery.emailVerificationTtlHours;
    const { token, hash } = newOpaqueToken();
    await this.db.transaction(async () => {
      await this.tokens.replaceVerificationToken(user.id, email, hash, now, new Date(now.getTime() + hours * 3_600_000), signupInstallationId);
      await this.outbox.enqueue({
        to: email,
        template,
        locale: user.locale,
        data: { displayName: user.displayName, link: appLink(this.config.mail.appUrl, VERIFY_EMAIL_PATH, { token }), expiresInHours: hours },
      });
    });
    return true;
  }

  private async queueResetLink(user: MailRecipient, template: 'password-reset' | 'set-password'): Promise<boolean> {
    const email = user.email;
    if (!email) return false;
    const now = this.clock.now();
    const minutes = this.config.recovery.passwordResetTtlMinutes;
    const { token, hash } = newOpaqueToken();
    return this.db.transaction(async () => {
      if (!(await this.tokens.replaceResetToken(user.id, email, hash, now, new Date(now.getTime() + minutes * 60_000)))) return false;
      await this.outbox.enqueue({
        to: email,
        template,
        locale: user.locale,
        data: { displayName: user.displayName, link: appLink(this.config.mail.appUrl, RESET_PASSWORD_PATH, { token }), expiresInMinutes: minutes },
      });
      return true;
    });
  }
}
