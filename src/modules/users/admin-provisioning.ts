import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { DomainError } from '../../common/errors/domain-error';
import { Db } from '../../database/db';
import { normalizeIdentifier } from '../auth/identifier';
import { PasswordHasher } from '../auth/password-hasher';
import { assertPasswordPolicy } from '../auth/password-policy';
import { AccountMails } from './account-mails';
import { UserAdminRepository } from './user-admin.repository';
import type { UserRecord } from './user.model';
import { UsersRepository } from './users.repository';

export const ADMIN_ROLE = 'admin';

export type AdminOutcome = 'created' | 'promoted' | 'already-admin';

/** How a new administrator gets a password: given now, or chosen through a mailed link. */
export type AdminPassword = { readonly password: string } | { readonly sendLink: true };

/**
 * The first administrator, without SQL: `npm run cli -- create-admin` and
 * BOOTSTRAP_ADMIN_EMAIL at startup. Idempotent: an existing live account with the
 * email is promoted (its password untouched); an admin stays as it is.
 */
@Injectable()
export class AdminProvisioning {
  constructor(
    private readonly users: UsersRepository,
    private readonly repo: UserAdminRepository,
    private readonly hasher: PasswordHasher,
    private readonly mails: AccountMails,
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  get mailDelivers(): boolean {
    return this.mails.delivers;
  }

  normalizeEmail(raw: string): string {
    return normalizeIdentifier(raw, 'IDENTIFIER_TYPE_EMAIL', 'email').value;
  }

  async find(email: string): Promise<UserRecord | null> {
    return this.users.findByIdentifier('email', this.normalizeEmail(email));
  }

  /** Throws AUTH_PASSWORD_POLICY (with every broken rule) before anything is written. */
  checkPassword(email: string, password: string): void {
    assertPasswordPolicy(password, this.normalizeEmail(email), 'password');
  }

  /**
   * Makes `email` an administrator. `password` is asked for only when the account
   * has to be created (a callback, so the CLI prompts only then).
   */
  async ensureAdmin(rawEmail: string, password: () => Promise<AdminPassword>): Promise<{ outcome: AdminOutcome; user: UserRecord }> {
    const email = this.normalizeEmail(rawEmail);
    const existing = await this.users.findByIdentifier('email', email);
    if (existing) return this.promote(existing);

    const how = await password();
    if ('password' in how) assertPasswordPolicy(how.password, email, 'password');
    const passwordHash = 'password' in how ? await this.hasher.hash(how.password) : null;
    try {
      const user = await this.db.transaction(async () => {
        const created = await this.repo.create(
          { email, phone: null, passwordHash, role: ADMIN_ROLE, displayName: '', locale: 'en', timezone: 'UTC' },
          this.clock.now(),
        );
        if (!passwordHash) await this.mails.queueSetPasswordLink(created);
        return created;
      });
      return { outcome: 'created', user };
    } catch (e) {
      // Two replicas bootstrapping at once: the loser finds the winner's account.
      if (e instanceof DomainError && e.code === 'USER_IDENTIFIER_TAKEN') {
        const winner = await this.users.findByIdentifier('email', email);
        if (winner) return this.promote(winner);
      }
      throw e;
    }
  }

  private async promote(user: UserRecord): Promise<{ outcome: AdminOutcome; user: UserRecord }> {
    if (user.role === ADMIN_ROLE) return { outcome: 'already-admin', user };
    await this.repo.update(user.id, { role: ADMIN_ROLE }, this.clock.now());
    return { outcome: 'promoted', user: (await this.users.findById(user.id)) ?? user };
  }
}
