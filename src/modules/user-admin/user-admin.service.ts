import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../common/clock';
import type { Principal } from '../../common/auth/principal';
import { DomainError, type FieldViolation } from '../../common/errors/domain-error';
import type { UserRole, UserStatus } from '../../common/grpc/enums';
import { Db } from '../../database/db';
import { normalizeIdentifier } from '../credentials/identifier';
import { PasswordHasher } from '../credentials/password-hasher';
import { PasswordPolicy } from '../credentials/password-policy';
import { SessionsService } from '../sessions/sessions.service';
import { AccountMails } from '../account-mail/account-mails';
import { PROFILE_WRITE, USERS_WRITE, UserAccess } from './user-access';
import type { UserChanges } from '../users/user.model';
import { UserAdminRepository } from './user-admin.repository';
import { requireRole, requireStatus } from './user-roles';
import type { UserRecord } from '../users/user.model';
import { UsersRepository } from '../users/users.repository';

export interface CreateUserInput {
  readonly name?: string;
  readonly email?: string;
  readonly phone?: string;
  readonly password?: string;
  readonly role?: UserRole;
  readonly locale?: string;
  readonly timezone?: string;
}

/** The optional fields of UpdateUserRequest; undefined means "not set". */
export interface UserFields {
  readonly name?: string;
  readonly email?: string;
  readonly phone?: string;
  readonly role?: UserRole;
  readonly status?: UserStatus;
  readonly locale?: string;
  readonly timezone?: string;
}

export const UPDATABLE_PATHS = ['name', 'email', 'phone', 'role', 'status', 'locale', 'timezone'] as const;
export type UpdatablePath = (typeof UPDATABLE_PATHS)[number];
const SELF_SERVICE_PATHS: readonly UpdatablePath[] = ['name', 'locale', 'timezone'];

const DEFAULT_LOCALE = 'en';
const DEFAULT_TIMEZONE = 'UTC';

/** CreateUser, UpdateUser and SetPassword of users.v1.UserService. */
@Injectable()
export class UserAdminService {
  private readonly logger = new Logger('UserAdmin');

  constructor(
    private readonly repo: UserAdminRepository,
    private readonly users: UsersRepository,
    private readonly access: UserAccess,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly mails: AccountMails,
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly passwordPolicy: PasswordPolicy,
  ) {}

  /**
   * Creates an active account (role UNSPECIFIED: `user`). Without a password the
   * user gets a set-password link by mail, never a password in clear; with an
   * email the welcome mail carries a verification link.
   */
  async create(actor: Principal, input: CreateUserInput): Promise<UserRecord> {
    this.access.require(actor, USERS_WRITE);
    const email = optionalIdentifier(input.email, 'email');
    const phone = optionalIdentifier(input.phone, 'phone');
    if (!email && !phone) {
      throw DomainError.validation([{ field: 'email', description: 'an email address or a phone number is required' }]);
    }
    const password = input.password ? input.password : undefined;
    if (password !== undefined) this.passwordPolicy.assert(password, email ?? phone ?? undefined, 'password');
    const role = input.role && input.role !== 'USER_ROLE_UNSPECIFIED' ? requireRole(input.role) : 'user';
    await this.access.requireRoleWithin(actor, role, 'role');
    const passwordHash = password !== undefined ? await this.hasher.hash(password) : null;

    return this.db.transaction(async () => {
      const user = await this.users.createManaged(
        {
          email, phone, passwordHash, role,
          displayName: input.name?.trim() ?? '',
          locale: input.locale || DEFAULT_LOCALE,
          timezone: input.timezone || DEFAULT_TIMEZONE,
        },
        this.clock.now(),
      );
      if (user.email) {
        await this.mails.queueVerification(user, 'welcome');
        if (!passwordHash) await this.mails.queueSetPasswordLink(user);
      }
      this.logger.log({ userId: user.id, by: actor.userId, role }, 'User created');
      return user;
    });
  }

  /**
   * AIP-134 partial update: with `mask` only the listed paths change (a listed path
   * that is not set is reset to its default); without one, every set field changes.
   * Name, locale and timezone of oneself need `profile:write`; anything else
   * `users:write`. A changed email or phone loses its verified flag. A changed
   * email also ends every outstanding reset and verification link, mails a notice
   * to the old address and a verification link to the new one (AccountMails.emailChanged);
   * `suspended` and `deleted` end every session of the user.
   */
  async update(actor: Principal, userId: string, fields: UserFields, mask: readonly string[] | undefined): Promise<UserRecord> {
    const paths = mask?.length ? pathsOf(mask) : UPDATABLE_PATHS.filter((path) => fields[path] !== undefined);
    const selfService = actor.userId === userId && paths.every((path) => SELF_SERVICE_PATHS.includes(path));
    this.access.require(actor, selfService ? PROFILE_WRITE : USERS_WRITE);

    const result = await this.db.transaction(async () => {
      const current = await this.users.findForUpdate(userId);
      if (!current) throw new DomainError('USER_NOT_FOUND', 'No such user');
      await this.access.requireManageable(actor, current);
      const changes = await this.changesOf(actor, current, paths, fields);
      if (Object.keys(changes).length === 0) return { user: current, changes };
      await this.users.update(userId, changes, this.clock.now());
      const user = (await this.users.findById(userId)) ?? current;
      if (changes.status === 'suspended' || changes.status === 'deleted') {
        // A suspended or deleted account must not keep working anywhere: end every session now.
        const revoked = await this.sessions.revokeAllExcept(userId, null);
        this.logger.log({ userId, status: changes.status, revoked }, 'Sessions revoked after a status change');
      }
      // Same transaction as the change: the old links die, the old address is told, or none of it (nor the change) happens.
      if (changes.email !== undefined) await this.mails.emailChanged(current, user, this.clock.now());
      return { user, changes };
    });
    this.logger.log({ userId, by: actor.userId, paths: Object.keys(result.changes) }, 'User updated');
    return result.user;
  }

  /** Sets a password under the policy, ends every session of the user (but the caller's own) and sends the notice. */
  async setPassword(actor: Principal, userId: string, password: string): Promise<void> {
    const target = await this.users.findById(userId);
    if (!target || target.status === 'deleted') throw new DomainError('USER_NOT_FOUND', 'No such user');
    await this.access.requireManageable(actor, target);
    this.passwordPolicy.assert(password, target.email ?? target.phone ?? undefined, 'password');
    const hash = await this.hasher.hash(password);
    await this.db.transaction(async () => {
      // Checked again on the locked row: a role change committed since the first read
      // (say, a promotion to admin) must not let a lesser role set this password.
      const locked = await this.users.findForUpdate(userId);
      if (!locked || locked.status === 'deleted') throw new DomainError('USER_NOT_FOUND', 'No such user');
      await this.access.requireManageable(actor, locked);
      await this.users.setPasswordHash(userId, hash, this.clock.now());
      await this.sessions.revokeAllExcept(userId, actor.userId === userId ? actor.sessionId : null);
      await this.mails.queuePasswordChanged(locked);
    });
    this.logger.log({ userId, by: actor.userId }, 'Password set by an administrator');
  }

  private async changesOf(actor: Principal, current: UserRecord, paths: readonly UpdatablePath[], fields: UserFields): Promise<UserChanges> {
    const changes: { -readonly [K in keyof UserChanges]: UserChanges[K] } = {};
    for (const path of paths) {
      switch (path) {
        case 'name': {
          const name = fields.name?.trim() ?? '';
          if (name !== current.displayName) changes.displayName = name;
          break;
        }
        case 'email':
        case 'phone': {
          const value = optionalIdentifier(fields[path], path);
          if (value !== current[path]) changes[path] = value;
          break;
        }
        case 'role': {
          const role = requireRole(fields.role);
          if (role !== current.role) {
            await this.access.requireRoleWithin(actor, role, 'role');
            changes.role = role;
          }
          break;
        }
        case 'status': {
          const status = requireStatus(fields.status);
          if (status !== current.status) changes.status = status;
          break;
        }
        case 'locale':
        case 'timezone': {
          const value = fields[path] || (path === 'locale' ? DEFAULT_LOCALE : DEFAULT_TIMEZONE);
          if (value !== current[path]) changes[path] = value;
          break;
        }
      }
    }
    const email = changes.email !== undefined ? changes.email : current.email;
    const phone = changes.phone !== undefined ? changes.phone : current.phone;
    // A Roblox-linked account may have neither (it signs in with its Roblox identity).
    if (!email && !phone && !current.robloxUserId) {
      throw DomainError.validation([{ field: paths.includes('email') ? 'email' : 'phone', description: 'a user needs an email address or a phone number' }]);
    }
    return changes;
  }
}

/** '' or absent: none; otherwise the normalised email or E.164 phone (INVALID_ARGUMENT naming `field`). */
function optionalIdentifier(raw: string | undefined, field: 'email' | 'phone'): string | null {
  if (raw === undefined || raw.trim() === '') return null;
  return normalizeIdentifier(raw, field === 'email' ? 'IDENTIFIER_TYPE_EMAIL' : 'IDENTIFIER_TYPE_PHONE', field).value;
}

/** Field-mask paths in proto (snake_case) or JSON (lowerCamelCase) spelling; unknown ones are INVALID_ARGUMENT. */
export function pathsOf(mask: readonly string[]): UpdatablePath[] {
  const violations: FieldViolation[] = [];
  const paths = new Set<UpdatablePath>();
  for (const raw of mask) {
    const path = raw.trim().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    if ((UPDATABLE_PATHS as readonly string[]).includes(path)) paths.add(path as UpdatablePath);
    else violations.push({ field: 'updateMask', description: `"${raw.slice(0, 64)}" is not a field of UpdateUserRequest that can be updated` });
  }
  if (violations.length) throw DomainError.validation(violations);
  return [...paths];
}
