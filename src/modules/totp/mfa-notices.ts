import { Injectable, Logger } from '@nestjs/common';
import { MailOutbox } from '../mail/mail-outbox.service';
import type { UserRecord } from '../users/user.model';

/**
 * Notices about a user's second factor. DisableMfa calls it inside its
 * transaction, so the outbox row commits (or rolls back) with the change.
 */
export abstract class MfaNotices {
  abstract mfaDisabled(user: UserRecord, at: Date): Promise<void>;
}

/** Queues the "two-factor authentication was turned off" mail in the mail outbox. */
@Injectable()
export class MailMfaNotices extends MfaNotices {
  private readonly logger = new Logger('MfaNotices');

  constructor(private readonly outbox: MailOutbox) {
    super();
  }

  async mfaDisabled(user: UserRecord, at: Date): Promise<void> {
    if (!user.email) {
      // Phone-only accounts: there is no SMS channel yet.
      this.logger.log('Two-factor authentication disabled for an account without email: no notice sent');
      return;
    }
    await this.outbox.enqueue({
      to: user.email,
      template: 'mfa-disabled',
      locale: user.locale,
      data: { displayName: user.displayName, disabledAt: at.toISOString(), timeZone: user.timezone },
    });
  }
}
