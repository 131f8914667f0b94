import type { UserRecord } from '../users/user.model';

/**
 * The mails the administration use cases cause, as one port. Called inside the
 * transaction of the change, so an outbox row commits (or rolls back) with it.
 * Users without an email address get none.
 */
export abstract class AccountMails {
  /** False when nothing is actually queued (the CLI refuses `--send-link` then). */
  abstract readonly delivers: boolean;
  /** A verification link for the user's current email: the welcome mail of a new account, or after an email change. */
  abstract queueVerification(user: UserRecord, reason: 'welcome' | 'email-changed'): Promise<void>;
  /** A link to choose a password (the recovery flow's token) for an account created without one. */
  abstract queueSetPasswordLink(user: UserRecord): Promise<void>;
  /** The notice that an administrator set the user's password. */
  abstract queuePasswordChanged(user: UserRecord): Promise<void>;
  /**
   * The user's email address changed from `before.email` to `after.email` at `at`:
   * every outstanding reset and verification link stops working (they went to the
   * old address, which may be the attacker's or no longer the user's), the old
   * address gets a notice (without the new one), the new one a verification link.
   */
  abstract emailChanged(before: UserRecord, after: UserRecord, at: Date): Promise<void>;
}
