import { Injectable } from '@nestjs/common';
import { Db } from '../../database/db';
import { USER_COLUMNS, toUserRecord } from '../users/pg-users.repository';
import type { UserRecord } from '../users/user.model';
import type { PendingAvatarUpload, UserListFilter } from './user-admin.model';
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

}
