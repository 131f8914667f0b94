import { Injectable } from '@nestjs/common';
import { MailOutbox } from '../mail/mail-outbox.service';
import { AccountMailService } from './account-mail.service';
import { RecoveryTokensRepository } from './recovery-tokens.repository';
import { AccountMails } from './account-mails';
import type { UserRecord } from '../users/user.model';

/** AccountMails through the email capability: its tokens (verification, recovery) and its mail outbox. */
@Injectable()
export class OutboxAccountMails extends AccountMails {
  readonly delivers = true;

  constructor(
    private readonly mail: AccountMailService,
    private readonly tokens: RecoveryTokensRepository,
    private readonly outbox: MailOutbox,
  ) {
    super();
  }

  async queueVerification(user: UserRecord, reason: 'welcome' | 'email-changed'): Promise<void> {
    if (reason === 'welcome') await this.mail.queueWelcomeVerification(user);
    else await this.mail.queueVerification(user);
  }

  async queueSetPasswordLink(user: UserRecord): Promise<void> {
    await this.mail.queueSetPasswordLink(user);
  }

  async queuePasswordChanged(user: UserRecord): Promise<void> {
    await this.mail.queuePasswordChanged(user);
  }

  async emailChanged(before: UserRecord, after: UserRecord, at: Date): Promise<void> {
    // First the old links, then the new one: the new address's verification link must survive.
    await this.tokens.invalidateAllForUser(after.id);
    if (before.email) {
      // The notice names no new address: whoever reads the old mailbox learns only that it changed.
      await this.outbox.enqueue({
        to: before.email,
        template: 'email-changed',
        locale: after.locale,
        data: { displayName: after.displayName, changedAt: at.toISOString(), timeZone: after.timezone },
      });
    }
    if (after.email) await this.mail.queueVerification(after);
  }
}
