import { Injectable } from '@nestjs/common';
import { AccountMailService } from '../recovery/account-mail.service';
import { AccountMails } from './account-mails';
import type { UserRecord } from './user.model';

/** AccountMails through the email capability: its tokens (verification, recovery) and its mail outbox. */
@Injectable()
export class OutboxAccountMails extends AccountMails {
  readonly delivers = true;

  constructor(private readonly mail: AccountMailService) {
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
}
