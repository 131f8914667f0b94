import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import { Db } from '../../database/db';
import { isDataViolation, isUniqueViolation } from '../../database/pg-errors';
import { USER_COLUMNS, toUserRecord } from './pg-users.repository';
import type { UserRecord } from './user.model';
import type { NewManagedUser, PendingAvatarUpload, UserChanges, UserListFilter } from './user-admin.model';
import { UserAdminRepository } from './user-admin.repository';

type UserRow = Parameters<typeof toUserRecord>[0];

interface AvatarUploadRow {
  user_id: string;
  object_key: string;
  content_type: string;
  content_size: string;
  created_at: Date;
}

/** `%` and `_` are LIKE wildcards and `\` its escape: a search for "50%" means the text "50%". */
export function likePattern(query: string): string {
  return `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Turns the database's refusals into the errors clients get: duplicates ALREADY_EXISTS, bad values INVALID_ARGUMENT. */
function translate(e: unknown): never {
  if (isUniqueViolation(e)) {
    const constraint = String((e as { constraint?: unknown }).constraint ?? '');
    const field = constraint.includes('phone') ? 'phone' : 'email';
    throw new DomainError('USER_IDENTIFIER_TAKEN', `Another account already uses this ${field === 'phone' ? 'phone number' : 'email address'}`, {
      violations: [{ field, description: 'is already in use by another account' }],
    });
  }
  if (isDataViolation(e)) throw DomainError.validation([{ field: '(request)', description: 'a value was refused by the database' }]);
  throw e;
}

@Injectable()
export class PgUserAdminRepository extends UserAdminRepository {
  constructor(private readonly db: Db) {
    super();
  }

  async listBatch(filter: UserListFilter, afterId: string | null, limit: number): Promise<UserRecord[]> {
    const params: unknown[] = [];
    const p = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    // The same conditions on `alias` (users) in every branch below.
    const conditions = (alias: string): string[] => {
      // The default (every status but deleted) as `<>`: the planner then expects most rows to
      // match and walks the primary key in order even before statistics exist (a bulk import).
      const live = filter.statuses.length === 3 && !filter.statuses.includes('deleted');
      const c = [live ? `${alias}.status <> 'deleted'` : `${alias}.status = ANY(${p(filter.statuses)}::user_status[])`];
      if (filter.ids) c.push(`${alias}.id = ANY(${p(filter.ids)}::uuid[])`);
      if (filter.roles?.length) c.push(`${alias}.role = ANY(${p(filter.roles)}::text[])`);
      if (afterId) c.push(`${alias}.id > ${p(afterId)}::uuid`);
      return c;
    };
    let where: string;
    if (filter.query) {
      // Each branch returns its own first `limit` matches in id order, so their union holds
      // the overall first `limit`. Per branch the planner picks a trigram bitmap scan (a rare
      // match) or a walk along the primary key that stops early (a common one); one OR across
      // the join would rule out the trigram indexes.
      const pattern = p(likePattern(filter.query));
      const n = p(limit);
      where = `u.id IN (
          (SELECT x.id FROM users x
            WHERE ${conditions('x').join(' AND ')} AND (x.email ILIKE ${pattern} OR x.phone ILIKE ${pattern})
            ORDER BY x.id LIMIT ${n})
          UNION ALL
          (SELECT x.id FROM user_profiles y JOIN users x ON x.id = y.user_id
            WHERE ${conditions('x').join(' AND ')} AND y.display_name ILIKE ${pattern}
            ORDER BY x.id LIMIT ${n}))`;
    } else {
      where = conditions('u').join(' AND ');
    }
    // The keyset bound repeated on the profile side lets a merge join start at the cursor
    // instead of walking the profiles from the first one on every batch.
    const profileBound = afterId ? ` AND p.user_id > ${p(afterId)}::uuid` : '';
    const rows = await this.db.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users u LEFT JOIN user_profiles p ON p.user_id = u.id${profileBound}
        WHERE ${where} ORDER BY u.id LIMIT ${p(limit)}`,
      params,
    );
    return rows.map(toUserRecord);
  }

  async create(user: NewManagedUser, now: Date): Promise<UserRecord> {
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
      translate(e);
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
      translate(e);
    }
  }

  async setPasswordHash(id: string, hash: string, now: Date): Promise<void> {
    await this.db.execute('UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1', [id, hash, now]);
  }

  async rolePermissions(role: string): Promise<Record<string, boolean> | null> {
    const rows = await this.db.query<{ permissions: Record<string, boolean> }>('SELECT permissions FROM roles WHERE name = $1', [role]);
    return rows[0]?.permissions ?? null;
  }

  async existsActiveHolder(roleName: string, grantSets: readonly Readonly<Record<string, true>>[]): Promise<boolean> {
    const rows = await this.db.query<{ found: boolean }>(
      `SELECT EXISTS (
         SELECT 1 FROM users u JOIN roles r ON r.name = u.role
          WHERE u.status = 'active' AND (u.role = $1 OR r.permissions @> ANY($2::jsonb[]))
       ) AS found`,
      [roleName, grantSets.map((set) => JSON.stringify(set))],
    );
    return rows[0]?.found === true;
  }

  async savePendingAvatar(upload: PendingAvatarUpload): Promise<void> {
    await this.db.execute(
      `INSERT INTO avatar_uploads (user_id, object_key, content_type, content_size, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (user_id) DO UPDATE SET object_key = EXCLUDED.object_key, content_type = EXCLUDED.content_type,
         content_size = EXCLUDED.content_size, created_at = EXCLUDED.created_at`,
      [upload.userId, upload.objectKey, upload.contentType, upload.contentSize, upload.createdAt],
    );
  }

  async findPendingAvatar(userId: string): Promise<PendingAvatarUpload | null> {
    const rows = await this.db.query<AvatarUploadRow>('SELECT * FROM avatar_uploads WHERE user_id = $1', [userId]);
    const r = rows[0];
    return r
      ? { userId: r.user_id, objectKey: r.object_key, contentType: r.content_type, contentSize: Number(r.content_size), createdAt: r.created_at }
      : null;
  }

  async deletePendingAvatar(userId: string): Promise<void> {
    await this.db.execute('DELETE FROM avatar_uploads WHERE user_id = $1', [userId]);
  }

  async setAvatarUrl(userId: string, url: string | null, now: Date): Promise<void> {
    await this.db.execute(
      `INSERT INTO user_profiles (user_id, avatar_url, created_at, updated_at) VALUES ($1, $2, $3, $3)
       ON CONFLICT (user_id) DO UPDATE SET avatar_url = EXCLUDED.avatar_url, updated_at = $3`,
      [userId, url, now],
    );
  }
}
