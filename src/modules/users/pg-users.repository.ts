import { Injectable } from '@nestjs/common';
import { Db } from '../../database/db';
import { DomainError } from '../../common/errors/domain-error';
import { isUniqueViolation } from '../../database/pg-errors';
import { MicroBatch } from '../../common/concurrency/micro-batch';
import type { NewUser, UserRecord } from './user.model';
import { UsersRepository } from './users.repository';
import { isUuid } from '../../common/validation/uuid';

interface UserRow {
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
}

interface SessionKey {
  readonly sessionId: string;
  readonly userId: string;
  readonly now: Date;
}


export const USER_COLUMNS = `u.id, u.email, u.phone, u.email_verified, u.phone_verified, u.password_hash, u.role, u.status,
  p.display_name, p.avatar_url, p.locale, p.timezone, u.created_at, u.updated_at, u.roblox_user_id, u.roblox_username,
  EXISTS (SELECT 1 FROM user_totp t WHERE t.user_id = u.id) AS mfa_enabled`;

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

  async findBySession(sessionId: string, userId: string, now: Date): Promise<UserRecord | null> {
    // Claims come from our own signed tokens; anything else is no session (and must not fail a whole batch).
    if (!isUuid(sessionId) || !isUuid(userId)) return null;
    if (this.db.inTransaction) return (await this.findBySessions([{ sessionId, userId, now }]))[0];
    return this.sessionLookups.load({ sessionId, userId, now });
  }

  /** ValidateCredentials' hot path: the concurrent lookups of one event-loop turn in one statement. */
  private readonly sessionLookups = new MicroBatch<SessionKey, UserRecord | null>((keys) => this.findBySessions(keys));

  private async findBySessions(keys: readonly SessionKey[]): Promise<Array<UserRecord | null>> {
    const rows = await this.db.query<UserRow & { i: string }>(
      `SELECT k.i, ${USER_COLUMNS}
         FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) WITH ORDINALITY AS k(sid, uid, now, i)
         JOIN sessions s ON s.id = k.sid AND s.user_id = k.uid AND s.expires_at > k.now
         JOIN users u ON u.id = s.user_id
         LEFT JOIN user_profiles p ON p.user_id = u.id`,
      [keys.map((k) => k.sessionId), keys.map((k) => k.userId), keys.map((k) => k.now)], 'users_find_by_sessions',
    );
    const found: Array<UserRecord | null> = keys.map(() => null);
    for (const r of rows) found[Number(r.i) - 1] = toUserRecord(r);
    return found;
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
           INSERT INTO users (email, phone, password_hash, role, status, roblox_user_id, roblox_username, roblox_linked_at)
           VALUES ($1, $2, $3, $4, $5, $9, $10, $11)
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
        ],
      );
      return toUserRecord(rows[0]);
    } catch (e) {
      // Two sign-ups racing for one identifier: the unique index decides, the loser gets ALREADY_EXISTS.
      if (isUniqueViolation(e)) throw new DomainError('AUTH_IDENTIFIER_TAKEN', 'An account with this identifier already exists');
      throw e;
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
}
