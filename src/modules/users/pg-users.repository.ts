import { Injectable } from '@nestjs/common';
import { Db } from '../../database/db';
import { DomainError } from '../../common/errors/domain-error';
import { isDataViolation, isUniqueViolation } from '../../database/pg-errors';
import type { RobloxLink } from './roblox-link';
import type { NewManagedUser, NewUser, UserChanges, UserRecord } from './user.model';
import { UsersRepository } from './users.repository';

export interface UserRow {
  id: string;
  email: string | null;
  phone: string | null;
  email_verified: boolean;
  phone_verified: boolean;
  password_hash: string | null;
  role: string;
  status: UserRecord['status'];
  display_name: string | null;
  avatar_url: string | null;
  locale: string | null;
  timezone: string | null;
  created_at: Date;
  updated_at: Date;
  mfa_enabled?: boolean;
  roblox_user_id?: string | null;
  roblox_username?: string | null;
  linked_providers?: string[];
}

/**
 * The one mapping of the database's refusals of a users/user_profiles write: an
 * identifier's unique index (email, phone, Roblox user; two writers racing for one value
 * included) is USER_IDENTIFIER_TAKEN naming the field, a refused value INVALID_ARGUMENT.
 */
function translateWriteError(e: unknown): never {
  if (isUniqueViolation(e)) {
    const constraint = String((e as { constraint?: unknown }).constraint ?? '');
    const field = constraint.includes('roblox') ? 'robloxUserId' : constraint.includes('phone') ? 'phone' : 'email';
    const what = { robloxUserId: 'Roblox user', phone: 'phone number', email: 'email address' }[field];
    throw new DomainError('USER_IDENTIFIER_TAKEN', `Another account already uses this ${what}`, {
      violations: [{ field, description: 'is already in use by another account' }],
    });
  }
  if (isDataViolation(e)) throw DomainError.validation([{ field: '(request)', description: 'a value was refused by the database' }]);
  throw e;
}

export const USER_COLUMNS = `u.id, u.email, u.phone, u.email_verified, u.phone_verified, u.password_hash, u.role, u.status,
  p.display_name, p.avatar_url, p.locale, p.timezone, u.created_at, u.updated_at, u.roblox_user_id, u.roblox_username,
  EXISTS (SELECT 1 FROM user_totp t WHERE t.user_id = u.id) AS mfa_enabled,
  ARRAY(SELECT o.provider FROM oauth_accounts o WHERE o.user_id = u.id ORDER BY o.provider) AS linked_providers`;

export function toUserRecord(r: UserRow): UserRecord {
  return {
    id: r.id,
    email: r.email,
    phone: r.phone,
    emailVerified: r.email_verified,
    phoneVerified: r.phone_verified,
    passwordHash: r.password_hash,
    role: r.role,
    status: r.status,
    displayName: r.display_name ?? '',
    avatarUrl: r.avatar_url,
    locale: r.locale ?? 'en',
    timezone: r.timezone ?? 'UTC',
    mfaEnabled: r.mfa_enabled === true,
    robloxUserId: r.roblox_user_id ?? null,
    robloxUsername: r.roblox_username ?? null,
    linkedProviders: r.linked_providers ?? [],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

@Injectable()
export class PgUsersRepository extends UsersRepository {
  constructor(private readonly db: Db) {
    super();
  }

  async findByIdentifier(kind: 'email' | 'phone', value: string): Promise<UserRecord | null> {
    const column = kind === 'email' ? 'email' : 'phone';
    const rows = await this.db.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users u LEFT JOIN user_profiles p ON p.user_id = u.id
        WHERE u.${column} = $1 AND u.deleted_at IS NULL`,
      [value],
      `users_find_by_${column}`,
    );
    return rows[0] ? toUserRecord(rows[0]) : null;
  }

  async findById(id: string): Promise<UserRecord | null> {
    const rows = await this.db.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users u LEFT JOIN user_profiles p ON p.user_id = u.id WHERE u.id = $1`,
      [id],
    );
    return rows[0] ? toUserRecord(rows[0]) : null;
  }

  async findByRobloxUserId(robloxUserId: string): Promise<UserRecord | null> {
    const rows = await this.db.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users u LEFT JOIN user_profiles p ON p.user_id = u.id
        WHERE u.roblox_user_id = $1 AND u.deleted_at IS NULL`,
      [robloxUserId],
    );
    return rows[0] ? toUserRecord(rows[0]) : null;
  }

  async create(user: NewUser): Promise<UserRecord> {
    try {
      // One statement for both rows: atomic without a transaction of its own.
      const rows = await this.db.query<UserRow>(
        `WITH u AS (
           INSERT INTO users (email, phone, password_hash, role, status, roblox_user_id, roblox_username, roblox_linked_at, email_verified)
           VALUES ($1, $2, $3, $4, $5, $9, $10, $11, $12)
           RETURNING *
         ), p AS (
           INSERT INTO user_profiles (user_id, display_name, locale, timezone)
           SELECT id, $6, $7, $8 FROM u
           RETURNING *
         )
         SELECT ${USER_COLUMNS} FROM u JOIN p ON p.user_id = u.id`,
        [
          user.email ?? null, user.phone ?? null, user.passwordHash, user.role ?? 'user', user.status,
          user.displayName, user.locale || 'en', user.timezone || 'UTC',
          user.roblox?.userId ?? null, user.roblox?.username ?? null, user.roblox?.linkedAt ?? null,
          user.emailVerified === true && user.email !== undefined,
        ],
      );
      return toUserRecord(rows[0]);
    } catch (e) {
      // Two sign-ups racing for one identifier: the unique index decides, the loser gets ALREADY_EXISTS.
      translateWriteError(e);
    }
  }

  async updatePasswordHash(id: string, hash: string): Promise<void> {
    await this.db.execute('UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1', [id, hash]);
  }

  async replacePendingPasswordHash(id: string, hash: string): Promise<boolean> {
    // Conditional in the statement itself: an UPDATE that waited for a verification's
    // row lock re-checks the condition and finds the user active.
    const n = await this.db.execute(
      `UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1 AND status = 'pending' AND NOT email_verified`,
      [id, hash],
    );
    return n > 0;
  }

  async clearPasswordHash(id: string): Promise<void> {
    await this.db.execute('UPDATE users SET password_hash = NULL, updated_at = now() WHERE id = $1', [id]);
  }

  async upgradePasswordHash(id: string, oldHash: string, newHash: string): Promise<void> {
    await this.db.execute('UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2', [id, oldHash, newHash]);
  }

  async recordLogin(id: string, at: Date): Promise<void> {
    await this.db.execute('UPDATE users SET last_login_at = $2 WHERE id = $1', [id, at]);
  }

  async confirmEmail(id: string, email: string, at: Date): Promise<UserRecord | null> {
    const rows = await this.db.query<UserRow>(
      `WITH u AS (
         UPDATE users SET email_verified = true, updated_at = $3,
                status = CASE WHEN status = 'pending' THEN 'active'::user_status ELSE status END
          WHERE id = $1 AND email = $2 AND status IN ('pending', 'active')
          RETURNING *
       )
       SELECT ${USER_COLUMNS} FROM u LEFT JOIN user_profiles p ON p.user_id = u.id`,
      [id, email, at],
    );
    return rows[0] ? toUserRecord(rows[0]) : null;
  }

  async createManaged(user: NewManagedUser, now: Date): Promise<UserRecord> {
    try {
      const rows = await this.db.query<UserRow>(
        `WITH u AS (
           INSERT INTO users (email, phone, password_hash, role, status, created_at, updated_at)
           VALUES ($1, $2, $3, $4, 'active', $8, $8)
           RETURNING *
         ), p AS (
           INSERT INTO user_profiles (user_id, display_name, locale, timezone, created_at, updated_at)
           SELECT id, $5, $6, $7, $8, $8 FROM u
           RETURNING *
         )
         SELECT ${USER_COLUMNS} FROM u JOIN p ON p.user_id = u.id`,
        [user.email, user.phone, user.passwordHash, user.role, user.displayName, user.locale, user.timezone, now],
      );
      return toUserRecord(rows[0]);
    } catch (e) {
      translateWriteError(e);
    }
  }

  async findForUpdate(id: string): Promise<UserRecord | null> {
    const rows = await this.db.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users u LEFT JOIN user_profiles p ON p.user_id = u.id WHERE u.id = $1 FOR UPDATE OF u`,
      [id],
    );
    return rows[0] ? toUserRecord(rows[0]) : null;
  }

  async update(id: string, changes: UserChanges, now: Date): Promise<void> {
    const params: unknown[] = [id, now];
    const p = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const sets: string[] = [];
    if (changes.email !== undefined) sets.push(`email = ${p(changes.email)}`, 'email_verified = false');
    if (changes.phone !== undefined) sets.push(`phone = ${p(changes.phone)}`, 'phone_verified = false');
    if (changes.role !== undefined) sets.push(`role = ${p(changes.role)}`);
    if (changes.status !== undefined) {
      const status = p(changes.status);
      // Soft delete: the row stays, deleted_at frees the email and phone for a new account.
      sets.push(`status = ${status}::user_status`, `deleted_at = CASE WHEN ${status}::user_status = 'deleted' THEN coalesce(deleted_at, $2) END`);
    }
    const profile: [string, unknown][] = [];
    if (changes.displayName !== undefined) profile.push(['display_name', changes.displayName]);
    if (changes.locale !== undefined) profile.push(['locale', changes.locale]);
    if (changes.timezone !== undefined) profile.push(['timezone', changes.timezone]);
    try {
      await this.db.execute(`UPDATE users SET ${[...sets, 'updated_at = $2'].join(', ')} WHERE id = $1`, params);
      if (profile.length) {
        const values = profile.map(([, v]) => v);
        const columns = profile.map(([c]) => c);
        await this.db.execute(
          `INSERT INTO user_profiles (user_id, ${columns.join(', ')}, created_at, updated_at)
           VALUES ($1, ${columns.map((_, i) => `$${i + 3}`).join(', ')}, $2, $2)
           ON CONFLICT (user_id) DO UPDATE SET ${columns.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}, updated_at = $2`,
          [id, now, ...values],
        );
      }
    } catch (e) {
      translateWriteError(e);
    }
  }

  async setPasswordHash(id: string, hash: string, now: Date): Promise<void> {
    await this.db.execute('UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1', [id, hash, now]);
  }

  async setAvatarUrl(userId: string, url: string | null, now: Date): Promise<void> {
    await this.db.execute(
      `INSERT INTO user_profiles (user_id, avatar_url, created_at, updated_at) VALUES ($1, $2, $3, $3)
       ON CONFLICT (user_id) DO UPDATE SET avatar_url = EXCLUDED.avatar_url, updated_at = $3`,
      [userId, url, now],
    );
  }

  async linkRoblox(userId: string, identity: RobloxLink): Promise<boolean> {
    try {
      const count = await this.db.execute(
        `UPDATE users SET roblox_user_id = $2, roblox_username = $3, roblox_linked_at = $4, updated_at = $4
          WHERE id = $1 AND roblox_user_id IS NULL AND deleted_at IS NULL`,
        [userId, identity.robloxUserId, identity.username, identity.linkedAt],
      );
      return count === 1;
    } catch (e) {
      translateWriteError(e);
    }
  }

  async refreshRobloxUsername(userId: string, robloxUserId: string, username: string): Promise<void> {
    await this.db.execute(
      `UPDATE users SET roblox_username = $3
        WHERE id = $1 AND roblox_user_id = $2 AND roblox_username IS DISTINCT FROM $3`,
      [userId, robloxUserId, username],
    );
  }

  async unlinkRoblox(userId: string, now: Date): Promise<boolean> {
    // The "another way in" condition is part of the UPDATE, so it holds at the moment of the change.
    const count = await this.db.execute(
      `UPDATE users SET roblox_user_id = NULL, roblox_username = NULL, roblox_linked_at = NULL, updated_at = $2
        WHERE id = $1 AND roblox_user_id IS NOT NULL
          AND (password_hash IS NOT NULL OR email IS NOT NULL OR EXISTS (SELECT 1 FROM oauth_accounts o WHERE o.user_id = users.id))`,
      [userId, now],
    );
    return count === 1;
  }

  async updateProfile(userId: string, changes: { readonly displayName?: string; readonly timezone?: string }, now: Date): Promise<void> {
    const sets: string[] = [];
    const params: unknown[] = [userId, now];
    if (changes.displayName !== undefined) {
      params.push(changes.displayName);
      sets.push(`display_name = $${params.length}`);
    }
    if (changes.timezone !== undefined) {
      params.push(changes.timezone);
      sets.push(`timezone = $${params.length}`);
    }
    if (sets.length) await this.db.execute(`UPDATE user_profiles SET ${sets.join(', ')}, updated_at = $2 WHERE user_id = $1`, params);
  }
}
