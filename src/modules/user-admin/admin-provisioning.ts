import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { DomainError } from '../../common/errors/domain-error';
import { Db } from '../../database/db';
import { normalizeIdentifier } from '../credentials/identifier';
import { PasswordHasher } from '../credentials/password-hasher';
import { PasswordPolicy } from '../credentials/password-policy';
import { AccountMails } from '../account-mail/account-mails';
import { UserAdminRepository } from './user-admin.repository';
import type { UserRecord } from '../users/user.model';
import { UsersRepository } from '../users/users.repository';

export const ADMIN_ROLE = 'admin';

export type AdminOutcome = 'created' | 'promoted' | 'already-admin';

/** Why BOOTSTRAP_ADMIN_EMAIL changed nothing: see ensureFirstAdmin. */
export type BootstrapRefusal = 'admin-exists' | 'email-unverified' | 'account-inactive';

/**
 * Who counts as a live administrator for the bootstrap: an active account (not
 * pending, suspended or deleted) with the `admin` role, or with any role that
 * grants one of these sets: everything, every users permission by wildcard, or
 * each users permission by name. Such an account can already make more
 * administrators through the API, so the bootstrap has nothing left to do.
 */
export const ADMINISTRATOR_GRANTS: readonly Readonly<Record<string, true>>[] = [
  { '*': true },
  { 'users:*': true },
  { 'users:read': true, 'users:write': true, 'users:password': true },
];

/** How a new administrator gets a password: given now, or chosen through a mailed link. */
export type AdminPassword = { readonly password: string } | { readonly sendLink: true };

/** What ensureFirstAdmin did: an AdminOutcome, or a refusal that changed nothing. */
export type BootstrapResult = { outcome: AdminOutcome; user: UserRecord } | { outcome: BootstrapRefusal; user: UserRecord | null };

/**
 * The first administrator, without SQL: `npm run cli -- create-admin` (ensureAdmin:
 * the operator names the account, which is promoted as it is) and
 * BOOTSTRAP_ADMIN_EMAIL at startup (ensureFirstAdmin: guarded, see there).
 * Idempotent: an existing account's password is never touched; an admin stays as it is.
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
    private readonly passwordPolicy: PasswordPolicy,
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
    this.passwordPolicy.assert(password, this.normalizeEmail(email), 'password');
  }

  /**
   * Makes `email` an administrator. `password` is asked for only when the account
   * has to be created (a callback, so the CLI prompts only then).
   */
  async ensureAdmin(rawEmail: string, password: () => Promise<AdminPassword>): Promise<{ outcome: AdminOutcome; user: UserRecord }> {
    const email = this.normalizeEmail(rawEmail);
    const existing = await this.users.findByIdentifier('email', email);
    if (existing) return this.promote(existing);

    try {
      return await this.createAdmin(email, await password());
    } catch (e) {
      // Two replicas bootstrapping at once: the loser finds the winner's account.
      if (e instanceof DomainError && e.code === 'USER_IDENTIFIER_TAKEN') {
        const winner = await this.users.findByIdentifier('email', email);
        if (winner) return this.promote(winner);
      }
      throw e;
    }
  }

  private async createAdmin(email: string, how: AdminPassword): Promise<{ outcome: 'created'; user: UserRecord }> {
    if ('password' in how) this.passwordPolicy.assert(how.password, email, 'password');
    const passwordHash = 'password' in how ? await this.hasher.hash(how.password) : null;
    const user = await this.db.transaction(async () => {
      const created = await this.users.createManaged(
        { email, phone: null, passwordHash, role: ADMIN_ROLE, displayName: '', locale: 'en', timezone: 'UTC' },
        this.clock.now(),
      );
      if (!passwordHash) await this.mails.queueSetPasswordLink(created);
      return created;
    });
    return { outcome: 'created', user };
  }

  /**
   * BOOTSTRAP_ADMIN_EMAIL: the first administrator of an unattended deployment.
   * An account that already is admin is left as it is. Otherwise it acts only
   * while there is no live administrator (ADMINISTRATOR_GRANTS), so an address
   * left in the environment cannot bring a removed or replaced administrator back
   * at the next restart; and it promotes only an active account whose address is
   * verified, because anyone can sign up with an address they do not own and
   * wait for the bootstrap to make that account admin. A refusal changes nothing.
   */
  async ensureFirstAdmin(rawEmail: string, password: () => Promise<AdminPassword>): Promise<BootstrapResult> {
    const email = this.normalizeEmail(rawEmail);
    const existing = await this.users.findByIdentifier('email', email);
    if (existing?.role === ADMIN_ROLE) return { outcome: 'already-admin', user: existing };
    if (existing) return this.promoteFirst(existing.id, email);
    if (await this.hasLiveAdministrator()) return { outcome: 'admin-exists', user: null };
    try {
      return await this.createAdmin(email, await password());
    } catch (e) {
      // Two replicas bootstrapping at once: the loser finds the winner's account (or a sign-up's, judged like any other).
      if (e instanceof DomainError && e.code === 'USER_IDENTIFIER_TAKEN') {
        const winner = await this.users.findByIdentifier('email', email);
        if (winner?.role === ADMIN_ROLE) return { outcome: 'already-admin', user: winner };
        if (winner) return this.promoteFirst(winner.id, email);
      }
      throw e;
    }
  }

  /** True when an active account can already administer users (ADMINISTRATOR_GRANTS). */
  hasLiveAdministrator(): Promise<boolean> {
    return this.repo.existsActiveHolder(ADMIN_ROLE, ADMINISTRATOR_GRANTS);
  }

  /** The checks of ensureFirstAdmin on the row-locked account, so what is checked is what gets promoted. */
  private promoteFirst(userId: string, email: string): Promise<BootstrapResult> {
    return this.db.transaction(async (): Promise<BootstrapResult> => {
      const user = await this.users.findForUpdate(userId);
      // Gone, or its address changed since the lookup: not the account the variable names.
      if (!user || user.email !== email || user.status === 'deleted') return { outcome: 'account-inactive', user: null };
      if (user.role === ADMIN_ROLE) return { outcome: 'already-admin', user };
      if (await this.hasLiveAdministrator()) return { outcome: 'admin-exists', user };
      if (!user.emailVerified) return { outcome: 'email-unverified', user };
      if (user.status !== 'active') return { outcome: 'account-inactive', user };
      await this.users.update(user.id, { role: ADMIN_ROLE }, this.clock.now());
      return { outcome: 'promoted', user: (await this.users.findById(user.id)) ?? user };
    });
  }

  private async promote(user: UserRecord): Promise<{ outcome: AdminOutcome; user: UserRecord }> {
    if (user.role === ADMIN_ROLE) return { outcome: 'already-admin', user };
    await this.users.update(user.id, { role: ADMIN_ROLE }, this.clock.now());
    return { outcome: 'promoted', user: (await this.users.findById(user.id)) ?? user };
  }
}
